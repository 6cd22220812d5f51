import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateUsers1764201600000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email varchar(254) NOT NULL,
        password_hash text NOT NULL,
        display_name varchar(100),
        roles text[] NOT NULL DEFAULT '{user}',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    // Emails are stored normalised (trimmed, lower-cased), so a plain unique index is case-insensitive.
    await queryRunner.query(`CREATE UNIQUE INDEX users_email_key ON users (email)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE users`);
  }
}
