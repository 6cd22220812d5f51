import { randomUUID } from 'node:crypto';

import { DataSource } from 'typeorm';

import { CanonicalEmails1764201600007 } from 'src/database/migrations/1764201600007-CanonicalEmails';

import { startTestApp, type TestApp } from 'test/support/test-app';

/** The migration, run again over rows written the way older versions stored addresses. */
describe(CanonicalEmails1764201600007.name, () => {
  let t: TestApp;
  let dataSource: DataSource;

  beforeAll(async () => {
    t = await startTestApp();
    dataSource = t.app.get(DataSource);
  });

  afterAll(async () => {
    await t.close();
  });

  async function insertUser(email: string, createdAt = new Date()): Promise<string> {
    const [{ id }] = await dataSource.query<{ id: string }[]>(
      `INSERT INTO users (email, password_hash, created_at) VALUES ($1, 'not a hash', $2)
       RETURNING id`,
      [email, createdAt],
    );
    return id;
  }

  async function emailOf(id: string): Promise<string> {
    const [{ email }] = await dataSource.query<{ email: string }[]>(
      'SELECT email FROM users WHERE id = $1',
      [id],
    );
    return email;
  }

  it('should rewrite look-alike spellings, unless the canonical one is taken', async () => {
    const tag = randomUUID().slice(0, 8);
    const fullwidth = await insertUser(`ａｄａ-${tag}@example.com`);
    const invisible = await insertUser(`grace\u200b-${tag}@example.com`);
    const ascii = await insertUser(`alan-${tag}@example.com`);
    const lookAlike = await insertUser(`ａｌａｎ-${tag}@example.com`);
    const [first, second] = [
      await insertUser(`ｅｄｓｇｅｒ-${tag}@example.com`, new Date('2026-01-01T00:00:00Z')),
      await insertUser(`ｅｄｓｇｅｒ\u200d-${tag}@example.com`, new Date('2026-02-01T00:00:00Z')),
    ];

    const runner = dataSource.createQueryRunner();
    try {
      await new CanonicalEmails1764201600007().up(runner);
    } finally {
      await runner.release();
    }

    await expect(emailOf(fullwidth)).resolves.toBe(`ada-${tag}@example.com`);
    await expect(emailOf(invisible)).resolves.toBe(`grace-${tag}@example.com`);
    await expect(emailOf(ascii)).resolves.toBe(`alan-${tag}@example.com`);
    // Taken: the account keeps its old spelling (and logs in under it).
    await expect(emailOf(lookAlike)).resolves.toBe(`ａｌａｎ-${tag}@example.com`);
    // Two that become one: the older one takes the canonical spelling.
    await expect(emailOf(first)).resolves.toBe(`edsger-${tag}@example.com`);
    await expect(emailOf(second)).resolves.toBe(`ｅｄｓｇｅｒ\u200d-${tag}@example.com`);
  });
});
