import { MigrationExecutor, type DataSource } from 'typeorm';

/** Any constant works, as long as every Warden instance uses the same one. */
const MIGRATION_LOCK_KEY = 7_350_401_112;

/**
 * Runs the pending migrations while holding a PostgreSQL advisory lock, so that instances booting
 * together against one database apply each migration once. The lock and the migrations share one
 * connection, which is also what the single-session embedded database needs.
 */
export async function runMigrationsExclusively(dataSource: DataSource): Promise<string[]> {
  const queryRunner = dataSource.createQueryRunner();
  try {
    await queryRunner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      const executor = new MigrationExecutor(dataSource, queryRunner);
      executor.transaction = 'each';
      const applied = await executor.executePendingMigrations();
      return applied.map((migration) => migration.name);
    } finally {
      await queryRunner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await queryRunner.release();
  }
}
