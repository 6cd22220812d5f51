import type { MigrationInterface, QueryRunner } from 'typeorm';

export class IndexAuthEventsCreatedAt1764201600008 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    // The retention job deletes the oldest events in batches (AUDIT_RETENTION).
    await queryRunner.query(`CREATE INDEX auth_events_created_at_idx ON auth_events (created_at)`);
    // The backoff counts password attempts for accounts and for device tokens alike.
    await queryRunner.query(`ALTER TABLE login_failures RENAME COLUMN email_digest TO key_digest`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE login_failures RENAME COLUMN key_digest TO email_digest`);
    await queryRunner.query(`DROP INDEX auth_events_created_at_idx`);
  }
}
