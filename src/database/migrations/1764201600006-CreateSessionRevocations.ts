import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateSessionRevocations1764201600006 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    // Every session that ends before it expires, however it ends: revoked by Warden, or deleted
    // (a user row removed by hand takes its sessions with it). Instances poll it for revocations
    // they missed, so a revocation is enforced everywhere even when Redis did not carry it.
    await queryRunner.query(`
      CREATE TABLE session_revocations (
        session_id uuid PRIMARY KEY,
        user_id uuid NOT NULL,
        revoked_at timestamptz NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    await queryRunner.query(
      `CREATE INDEX session_revocations_recorded_at_idx ON session_revocations (recorded_at)`,
    );
    await queryRunner.query(`
      CREATE FUNCTION record_session_revocation() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          INSERT INTO session_revocations (session_id, user_id, revoked_at)
          VALUES (OLD.id, OLD.user_id, clock_timestamp()) ON CONFLICT (session_id) DO NOTHING;
          RETURN OLD;
        END IF;
        INSERT INTO session_revocations (session_id, user_id, revoked_at)
        VALUES (NEW.id, NEW.user_id, NEW.revoked_at) ON CONFLICT (session_id) DO NOTHING;
        RETURN NEW;
      END $$`);
    // Refreshes update every column but only revocations fire: the WHEN clause costs nothing else.
    await queryRunner.query(`
      CREATE TRIGGER sessions_revoked AFTER UPDATE OF revoked_at ON sessions
      FOR EACH ROW WHEN (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL)
      EXECUTE FUNCTION record_session_revocation()`);
    await queryRunner.query(`
      CREATE TRIGGER sessions_deleted AFTER DELETE ON sessions
      FOR EACH ROW WHEN (OLD.revoked_at IS NULL AND OLD.idle_expires_at > now())
      EXECUTE FUNCTION record_session_revocation()`);
    // Revocations made before this table existed, still within any access token's lifetime.
    await queryRunner.query(`
      INSERT INTO session_revocations (session_id, user_id, revoked_at, recorded_at)
      SELECT id, user_id, revoked_at, revoked_at FROM sessions
      WHERE revoked_at > now() - interval '1 day'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER sessions_deleted ON sessions`);
    await queryRunner.query(`DROP TRIGGER sessions_revoked ON sessions`);
    await queryRunner.query(`DROP FUNCTION record_session_revocation()`);
    await queryRunner.query(`DROP TABLE session_revocations`);
  }
}
