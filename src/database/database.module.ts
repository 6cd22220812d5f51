import { Global, Logger, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource, type DataSourceOptions } from 'typeorm';

import { APP_CONFIG } from 'src/config/config.module';
import type { AppConfig } from 'src/config/env.schema';
import { DatabaseAvailability, DatabaseConnectionError } from 'src/database/connection-failures';
import { buildDataSourceOptions } from 'src/database/data-source-options';
import { runMigrationsExclusively } from 'src/database/run-migrations';
import { Sql } from 'src/database/sql';

/** Opens the data source; a PostgreSQL that cannot be reached becomes one clear error. */
async function initialize(options: DataSourceOptions, databaseUrl?: string): Promise<DataSource> {
  try {
    return await new DataSource(options).initialize();
  } catch (error) {
    throw databaseUrl ? new DatabaseConnectionError(databaseUrl, error) : error;
  }
}

@Global()
@Module({
  providers: [Sql],
  exports: [Sql],
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        ...buildDataSourceOptions(config),
        ...(config.database.url && {
          extra: { Client: new DatabaseAvailability(config.database.url).reportingClient() },
        }),
        migrationsRun: config.database.runMigrations,
        autoLoadEntities: true,
        // A server that is starting up may accept connections a moment later; a wrong password
        // or database name will not be right on the next attempt, and neither will a PGlite
        // directory that another process holds.
        retryAttempts: 3,
        retryDelay: 1_000,
        toRetry: (error: unknown) => error instanceof DatabaseConnectionError && error.transient,
        verboseRetryLog: true,
      }),
      // TypeORM's own `migrationsRun` takes no lock; ours does, so instances may boot together.
      dataSourceFactory: async (options?: DataSourceOptions) => {
        const { migrationsRun, ...rest } = options as DataSourceOptions;
        const databaseUrl = 'url' in rest ? rest.url : undefined;
        const dataSource = await initialize({ ...rest, migrationsRun: false }, databaseUrl);
        if (migrationsRun) {
          try {
            const applied = await runMigrationsExclusively(dataSource);
            new Logger('Database').log(
              applied.length > 0
                ? `Applied ${applied.length} migrations: ${applied.join(', ')}`
                : 'No pending migrations: the schema is up to date',
            );
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
