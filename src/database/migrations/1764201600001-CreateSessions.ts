import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateSessions1764201600001 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE sessions (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        refresh_jti_hash bytea NOT NULL,
        previous_jti_hash bytea,
        rotated_at timestamptz,
        created_at timestamptz NOT NULL,
        last_used_at timestamptz NOT NULL,
        idle_expires_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        revoke_reason varchar(32),
        user_agent varchar(512),
        ip varchar(64)
      ) WITH (fillfactor = 80)`);
    // Every refresh updates its session row, changing no indexed column: with room left in each
    // page (fillfactor) these are HOT updates, which touch no index. Hence no index on the
    // expiry columns; the hourly retention job scans instead.
    await queryRunner.query(`CREATE INDEX sessions_user_id_idx ON sessions (user_id)`);
    // The revocation cache is filled at boot from the recently revoked sessions.
    await queryRunner.query(
      `CREATE INDEX sessions_revoked_at_idx ON sessions (revoked_at) WHERE revoked_at IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE sessions`);
  }
}
