import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateAccountLifecycle1764201600009 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE users ADD COLUMN disabled_at timestamptz`);
    // An account's events go with it, but its `account_deleted` event outlives it: the events are
    // deleted by the deletion itself, not by a cascade that would refuse the last one.
    await queryRunner.query(
      `ALTER TABLE auth_events DROP CONSTRAINT IF EXISTS auth_events_user_id_fkey`,
    );
    // The links mailed to a user: one per purpose (a new one replaces it), stored as SHA-256.
    await queryRunner.query(`
      CREATE TABLE link_tokens (
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        purpose varchar(16) NOT NULL,
        email varchar(254) NOT NULL,
        token_hash bytea NOT NULL UNIQUE,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (user_id, purpose)
      )`);
    // Mail waiting to leave, sent (bodies cleared) and failed. Written in the transaction of the
    // change that needs it; workers claim due messages with FOR UPDATE SKIP LOCKED.
    await queryRunner.query(`
      CREATE TABLE mail_outbox (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        template varchar(32) NOT NULL,
        recipient varchar(254) NOT NULL,
        subject text NOT NULL,
        text_body text,
        html_body text,
        status varchar(8) NOT NULL DEFAULT 'pending',
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL,
        last_error text,
        created_at timestamptz NOT NULL,
        sent_at timestamptz
      )`);
    await queryRunner.query(
      `CREATE INDEX mail_outbox_due_idx ON mail_outbox (next_attempt_at) WHERE status = 'pending'`,
    );
    await queryRunner.query(
      `CREATE INDEX mail_outbox_created_at_idx ON mail_outbox (created_at) WHERE status <> 'pending'`,
    );
    // GET /admin/users: an email prefix search, in email order.
    await queryRunner.query(
      `CREATE INDEX users_email_pattern_idx ON users (email varchar_pattern_ops)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX users_email_pattern_idx`);
    await queryRunner.query(`DROP TABLE mail_outbox`);
    await queryRunner.query(`DROP TABLE link_tokens`);
    await queryRunner.query(`DELETE FROM auth_events e WHERE NOT EXISTS
      (SELECT 1 FROM users u WHERE u.id = e.user_id) AND e.user_id IS NOT NULL`);
    await queryRunner.query(`ALTER TABLE auth_events ADD CONSTRAINT auth_events_user_id_fkey
      FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE`);
    await queryRunner.query(`ALTER TABLE users DROP COLUMN disabled_at`);
  }
}
