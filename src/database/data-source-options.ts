import { join } from 'node:path';

import type { DataSourceOptions } from 'typeorm';

import type { AppConfig } from 'src/config/env.schema';
import { migrations } from 'src/database/migrations';
import { createPgliteDriver } from 'src/database/pglite-driver';

/**
 * PostgreSQL when `DATABASE_URL` is set, the embedded PGlite database in `DATA_DIR` otherwise.
 * Both go through TypeORM's postgres driver; only the connection underneath differs.
 */
export function buildDataSourceOptions(config: AppConfig): DataSourceOptions {
  const common = {
    type: 'postgres',
    migrations,
    migrationsRun: false,
    synchronize: false,
    uuidExtension: 'pgcrypto',
    applicationName: 'warden',
  } as const;
  if (config.database.url) {
    return {
      ...common,
      url: config.database.url,
      poolSize: config.database.poolSize,
      connectTimeoutMS: 5_000,
    };
  }
  return {
    ...common,
    installExtensions: false,
    driver: createPgliteDriver({ dataDir: join(config.dataDir, 'pglite') }),
  };
}
