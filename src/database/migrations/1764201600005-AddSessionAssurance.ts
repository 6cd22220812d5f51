import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AddSessionAssurance1764201600005 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    // How and when the session's user proved who they are (RFC 8176 `amr`, `acr`, `auth_time`):
    // every session before this one was opened by a password.
    await queryRunner.query(`
      ALTER TABLE sessions
        ADD COLUMN acr varchar(16) NOT NULL DEFAULT 'aal1',
        ADD COLUMN amr text[] NOT NULL DEFAULT '{pwd}',
        ADD COLUMN auth_time timestamptz`);
    await queryRunner.query(`UPDATE sessions SET auth_time = created_at`);
    await queryRunner.query(`
      ALTER TABLE sessions
        ALTER COLUMN acr DROP DEFAULT,
        ALTER COLUMN amr DROP DEFAULT,
        ALTER COLUMN auth_time SET NOT NULL`);
    await queryRunner.query(`ALTER TABLE users ADD COLUMN email_verified_at timestamptz`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE users DROP COLUMN email_verified_at`);
    await queryRunner.query(
      `ALTER TABLE sessions DROP COLUMN acr, DROP COLUMN amr, DROP COLUMN auth_time`,
    );
  }
}
