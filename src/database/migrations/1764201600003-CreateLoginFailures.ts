import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateLoginFailures1764201600003 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    // Keyed by a digest of the normalised email, whether or not an account has it, so the
    // backoff itself does not tell which emails exist.
    await queryRunner.query(`
      CREATE TABLE login_failures (
        email_digest bytea PRIMARY KEY,
        failures integer NOT NULL,
        blocked_until timestamptz,
        updated_at timestamptz NOT NULL
      )`);
    await queryRunner.query(
      `CREATE INDEX login_failures_updated_at_idx ON login_failures (updated_at)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE login_failures`);
  }
}
