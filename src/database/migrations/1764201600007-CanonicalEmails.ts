import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The rules of `canonicalEmail` as they were when this migration was written; frozen here. */
function canonical(email: string): string {
  return email
    .replace(/[\uFF01-\uFF5E\u3000]/g, (character) => {
      const code = character.charCodeAt(0);
      return code === 0x3000 ? ' ' : String.fromCharCode(code - 0xfee0);
    })
    .replace(/[\p{Cc}\p{Cf}]/gu, '')
    .trim()
    .normalize('NFC')
    .toLowerCase();
}

export class CanonicalEmails1764201600007 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    // Addresses were stored NFC-normalised and lower-cased only, so fullwidth letters and invisible
    // characters made look-alike accounts. Each such address takes its canonical spelling, unless
    // an account already has it (or an older one gets it first): then two people signed up with
    // what is now one address, and the later one keeps its old spelling, under which it still
    // logs in (unless that spelling holds invisible characters, which logins now refuse).
    const rows = (await queryRunner.query(
      `SELECT id, email FROM users WHERE email ~ '[^\\x20-\\x7e]' ORDER BY created_at, id`,
    )) as { id: string; email: string }[];
    for (const { id, email } of rows) {
      const spelling = canonical(email);
      if (spelling === email || spelling === '') {
        continue;
      }
      await queryRunner.query(
        `UPDATE users SET email = $2, updated_at = now()
         WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM users WHERE email = $2)`,
        [id, spelling],
      );
    }
  }

  async down(): Promise<void> {
    // The old spellings are not kept: canonical addresses stay canonical.
  }
}
