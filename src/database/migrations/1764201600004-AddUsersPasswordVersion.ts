import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AddUsersPasswordVersion1764201600004 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    // Counts password changes (not rehashes): a session is opened, and a password replaced, only
    // for the password version that was verified, so a change in between wins.
    await queryRunner.query(
      `ALTER TABLE users ADD COLUMN password_version integer NOT NULL DEFAULT 1`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE users DROP COLUMN password_version`);
  }
}
