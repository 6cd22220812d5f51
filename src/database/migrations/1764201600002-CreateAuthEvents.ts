import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateAuthEvents1764201600002 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE auth_events (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        type varchar(32) NOT NULL,
        user_id uuid REFERENCES users (id) ON DELETE CASCADE,
        session_id uuid,
        ip varchar(64),
        user_agent varchar(512),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE INDEX auth_events_user_id_created_at_idx ON auth_events (user_id, created_at DESC, id DESC)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE auth_events`);
  }
}
