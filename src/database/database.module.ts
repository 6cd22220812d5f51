import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, type DataSourceOptions } from 'typeorm';

import { APP_CONFIG } from 'src/config/config.module';
import type { AppConfig } from 'src/config/env.schema';
import { buildDataSourceOptions } from 'src/database/data-source-options';
import { DatabaseInUseError } from 'src/database/pglite-driver';
import { runMigrationsExclusively } from 'src/database/run-migrations';
import { Sql } from 'src/database/sql';

@Global()
@Module({
  providers: [Sql],
  exports: [Sql],
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        ...buildDataSourceOptions(config),
        migrationsRun: config.database.runMigrations,
        autoLoadEntities: true,
        retryAttempts: 3,
        retryDelay: 1_000,
        toRetry: (error: unknown) => !(error instanceof DatabaseInUseError),
      }),
      // TypeORM's own `migrationsRun` takes no lock; ours does, so instances may boot together.
      dataSourceFactory: async (options?: DataSourceOptions) => {
        const { migrationsRun, ...rest } = options as DataSourceOptions;
        const dataSource = await new DataSource({ ...rest, migrationsRun: false }).initialize();
        if (migrationsRun) {
          try {
            await runMigrationsExclusively(dataSource);
          } catch (error) {
            await dataSource.destroy();
            throw error;
          }
        }
        return dataSource;
      },
    }),
  ],
})
export class DatabaseModule {}
