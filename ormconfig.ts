import 'reflect-metadata';

import { DataSource } from 'typeorm';

import { parseEnv, readProcessEnv } from 'src/config/env.schema';
import { buildDataSourceOptions } from 'src/database/data-source-options';

/**
 * The DataSource of the TypeORM CLI (`npm run migration:run`, `migration:revert`, `migration:show`):
 * the same database and migrations as the server, chosen by the same configuration. The server
 * also runs pending migrations at boot unless RUN_MIGRATIONS=false. Stop a server that uses the
 * embedded database before pointing the CLI at the same DATA_DIR: PGlite allows one process.
 */
export default new DataSource(buildDataSourceOptions(parseEnv(readProcessEnv())));
