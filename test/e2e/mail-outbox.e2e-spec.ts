import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { simpleParser, type ParsedMail } from 'mailparser';
import { escapeIdentifier } from 'pg';
import { DataSource } from 'typeorm';

import { PASSWORD, registerUser, uniqueEmail } from 'test/support/factories';
import { describeWithServices } from 'test/support/services';
import { SmtpSink, tokenIn } from 'test/support/smtp-sink';
import { startTestApp, type TestApp } from 'test/support/test-app';
import { within } from 'test/support/within';

/** Every mail may be asked for as often as a spec likes, and each request sends. */
const MAIL_ENV = { MAIL_COOLDOWN: '0', RATE_LIMIT_MAIL: '100000/60s' };
/** The first app of a Jest worker migrates the worker's template database: slow on a busy machine. */
const BOOT_TIMEOUT = 120_000;

interface OutboxRow {
  id: string;
  template: string;
  recipient: string;
  subject: string;
  status: string;
  attempts: number;
  last_error: string | null;
  text_body: string | null;
  html_body: string | null;
  next_attempt_at: Date;
  created_at: Date;
  sent_at: Date | null;
}

/** The outbox rows of the mail to `recipients`, oldest first. */
function outboxRows(t: TestApp, ...recipients: string[]): Promise<OutboxRow[]> {
  return t.app.get(DataSource).query<OutboxRow[]>(
    `SELECT id, template, recipient, subject, status, attempts, last_error, text_body, html_body,
              next_attempt_at, created_at, sent_at
       FROM mail_outbox WHERE recipient = ANY($1) ORDER BY id`,
    [recipients],
  );
}

async function outboxRow(t: TestApp, recipient: string, template: string): Promise<OutboxRow> {
  const row = (await outboxRows(t, recipient)).find((candidate) => candidate.template === template);
  if (!row) {
    throw new Error(`No ${template} mail to ${recipient} in the outbox`);
  }
  return row;
}

/**
 * Failed and waiting for its next attempt: not under the lease of a claim (two minutes), which
 * raises `attempts` and pushes `next_attempt_at` out while an attempt runs.
 */
function isAwaitingRetry(row: OutboxRow): boolean {
  return (
    row.status === 'pending' && row.attempts > 0 && ms(row.next_attempt_at) < Date.now() + 60_000
  );
}

function forgot(t: TestApp, email: string) {
  return t.http.post('/auth/password/forgot').send({ email }).expect(202);
}

function ms(date: Date): number {
  return new Date(date).getTime();
}

/** The tables of the application's schema in which some row's text contains `value`. */
async function tablesContaining(t: TestApp, value: string): Promise<string[]> {
  const dataSource = t.app.get(DataSource);
  const tables = await dataSource.query<{ name: string }[]>(
    `SELECT table_name AS name FROM information_schema.tables
     WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`,
  );
  const containing: string[] = [];
  for (const { name } of tables) {
    const [{ count }] = await dataSource.query<{ count: number }[]>(
      `SELECT count(*)::int AS count FROM ${escapeIdentifier(name)} AS r
       WHERE strpos(r::text, $1) > 0`,
      [value],
    );
    if (count > 0) {
      containing.push(name);
    }
  }
  expect(tables.map(({ name }) => name)).toEqual(
    expect.arrayContaining(['mail_outbox', 'link_tokens', 'users']),
  );
  return containing;
}

/** The .eml files a `file://` transport wrote, parsed. */
async function emlFiles(dir: string): Promise<{ name: string; mail: ParsedMail }[]> {
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith('.eml'));
  } catch {
    return [];
  }
  return Promise.all(
    names.map(async (name) => ({ name, mail: await simpleParser(readFileSync(join(dir, name))) })),
  );
}

function recipientOf(mail: ParsedMail): string | undefined {
  const to = Array.isArray(mail.to) ? mail.to[0] : mail.to;
  return to?.value[0]?.address;
}

function temporaryDir(): string {
  return mkdtempSync(join(tmpdir(), 'warden-mail-'));
}

describe('mail through SMTP', () => {
  let sink: SmtpSink;
  let t: TestApp;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    t = await startTestApp({ MAIL_URL: sink.url, ...MAIL_ENV });
  }, BOOT_TIMEOUT);

  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });

  it('should keep a sent message as a row marked sent, without its bodies, and leave its link nowhere in the database', async () => {
    const user = await registerUser(t.http);
    await forgot(t, user.email);
    const mail = await sink.waitForMail({ to: user.email, subject: /^Reset your password$/ });
    await sink.waitForMail({ to: user.email, subject: /^Verify your email address$/ });
    const sent = async () =>
      (await outboxRows(t, user.email)).every((row) => row.status === 'sent');
    expect(await within(5_000, sent)).toBe(true);

    const rows = await outboxRows(t, user.email);
    expect(rows.map((row) => row.template).sort()).toEqual(['reset-password', 'verify-email']);
    for (const row of rows) {
      expect(row).toMatchObject({
        recipient: user.email,
        status: 'sent',
        attempts: 1,
        last_error: null,
        text_body: null,
        html_body: null,
      });
      expect(row.sent_at).not.toBeNull();
      expect(row.subject).not.toContain('token');
    }
    const token = tokenIn(mail);
    expect(await tablesContaining(t, token)).toEqual([]);
    // What was searched for is the real link token: it still resets the password.
    await t.http
      .post('/auth/password/reset')
      .send({ token, newPassword: 'a brand new passphrase' })
      .expect(204);
  });

  it('should retry a message while the SMTP server is down, 1, 2, 4 and 8 s apart, recording each failure, and deliver it within 30 s of the server’s return', async () => {
    const port = sink.port;
    await sink.stop();
    const user = await registerUser(t.http);

    // The time of the next attempt that each failed attempt set.
    const scheduled = new Map<number, { next: number; error: string | null }>();
    let row!: OutboxRow;
    const failedFourTimes = async () => {
      row = await outboxRow(t, user.email, 'verify-email');
      if (isAwaitingRetry(row)) {
        scheduled.set(row.attempts, { next: ms(row.next_attempt_at), error: row.last_error });
      }
      return scheduled.has(4);
    };
    expect(await within(30_000, failedFourTimes)).toBe(true);

    expect(row).toMatchObject({ status: 'pending', attempts: 4, text_body: expect.any(String) });
    for (const attempts of [1, 2, 3, 4]) {
      expect(scheduled.get(attempts)?.error).toMatch(/ECONNREFUSED/);
    }
    // Attempt n + 1 runs on the worker's first tick (each second) after the time attempt n set,
    // and fails at once: the next times are the delays apart, plus at most a tick.
    const gaps = [2, 3, 4].map((n) => scheduled.get(n)!.next - scheduled.get(n - 1)!.next);
    const delays = [2_000, 4_000, 8_000];
    gaps.forEach((gap, i) => {
      expect(gap).toBeGreaterThanOrEqual(delays[i] - 50);
      expect(gap).toBeLessThanOrEqual(delays[i] + 2_000);
    });

    sink = await SmtpSink.start({ port });
    const back = Date.now();
    const mail = await sink.waitForMail({ to: user.email }, { timeoutMs: 30_000 });

    expect(Date.now() - back).toBeLessThan(30_000);
    expect(mail.subject).toBe('Verify your email address');
    const delivered = async () =>
      (row = await outboxRow(t, user.email, 'verify-email')).status === 'sent';
    expect(await within(5_000, delivered)).toBe(true);
    expect(row).toMatchObject({ attempts: 5, last_error: null, text_body: null, html_body: null });
  }, 90_000);

  it('should retry a message the SMTP server refuses, recording its answer, and deliver it once the server accepts', async () => {
    sink.refuse({ at: 'rcpt', code: 451 });
    const email = uniqueEmail();
    await registerUser(t.http, { email });
    await forgot(t, email);

    let rows: OutboxRow[] = [];
    const bothRefusedTwice = async () => {
      rows = await outboxRows(t, email);
      return rows.length === 2 && rows.every((row) => row.attempts >= 2 && isAwaitingRetry(row));
    };
    expect(await within(20_000, bothRefusedTwice)).toBe(true);
    for (const row of rows) {
      expect(row.status).toBe('pending');
      expect(row.last_error).toMatch(/451/);
      expect(row.last_error).not.toMatch(/\n/);
    }
    expect(sink.refusedAttempts).toBeGreaterThanOrEqual(4);

    sink.accept();
    const back = Date.now();
    await sink.waitForMail({ to: email, subject: /^Verify/ }, { timeoutMs: 30_000 });
    await sink.waitForMail({ to: email, subject: /^Reset/ }, { timeoutMs: 30_000 });

    expect(Date.now() - back).toBeLessThan(30_000);
    const sent = async () => (await outboxRows(t, email)).every((row) => row.status === 'sent');
    expect(await within(5_000, sent)).toBe(true);
    expect(
      (await outboxRows(t, email)).every((row) => row.last_error === null && row.attempts >= 3),
    ).toBe(true);
  }, 90_000);
});

describeWithServices('mail from two instances on one database', () => {
  const COUNT = 40;
  let sinks: SmtpSink[] = [];
  let apps: TestApp[] = [];

  beforeAll(async () => {
    sinks = [await SmtpSink.start(), await SmtpSink.start()];
    const first = await startTestApp({ MAIL_URL: sinks[0].url, ...MAIL_ENV });
    apps = [first];
    // Another instance of the deployment: the same database, its own worker and SMTP server.
    apps.push(
      await startTestApp({
        DATABASE_URL: first.config.database.url!,
        MAIL_URL: sinks[1].url,
        ...MAIL_ENV,
      }),
    );
  }, BOOT_TIMEOUT);

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await Promise.all(sinks.map((sink) => sink.stop()));
  });

  it('should deliver every queued message exactly once, whichever instance sends it', async () => {
    const emails = Array.from({ length: COUNT }, (_, i) => uniqueEmail(`outbox-${i}`));
    await Promise.all(
      emails.map((email, i) => registerUser(apps[i % 2].http, { email, password: PASSWORD })),
    );
    await Promise.all(emails.map((email, i) => forgot(apps[(i + 1) % 2], email)));

    const allSent = async () => {
      const rows = await outboxRows(apps[0], ...emails);
      return rows.length === 2 * COUNT && rows.every((row) => row.status === 'sent');
    };
    expect(await within(30_000, allSent)).toBe(true);
    const rows = await outboxRows(apps[0], ...emails);
    // Shutting down waits for the batch in hand: after it, nothing more can arrive.
    await Promise.all(apps.map((app) => app.close()));
    apps = [];

    const received = sinks
      .flatMap((sink) => sink.messages)
      .filter((mail) => emails.includes(mail.envelope.to[0]))
      .map((mail) => `${mail.envelope.to.join(',')} ${mail.subject}`)
      .sort();
    const expected = emails
      .flatMap((email) => [`${email} Reset your password`, `${email} Verify your email address`])
      .sort();
    expect(received).toEqual(expected);
    // One claim per message: no message was taken by both workers.
    expect(rows.filter((row) => row.attempts !== 1)).toEqual([]);
  }, 90_000);
});

describe('mail through a file:// transport', () => {
  let dir: string;
  let t: TestApp;

  beforeAll(async () => {
    dir = join(temporaryDir(), 'out');
    t = await startTestApp({ MAIL_URL: pathToFileURL(dir).href, ...MAIL_ENV });
  }, BOOT_TIMEOUT);

  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('should write one .eml file per mail, readable by its owner only', async () => {
    const user = await registerUser(t.http);
    await forgot(t, user.email);
    await forgot(t, user.email);

    const forUser = async () =>
      (await emlFiles(dir)).filter(({ mail }) => recipientOf(mail) === user.email);
    expect(await within(10_000, async () => (await forUser()).length >= 3)).toBe(true);
    const sent = async () =>
      (await outboxRows(t, user.email)).every((row) => row.status === 'sent');
    expect(await within(5_000, sent)).toBe(true);
    const files = await forUser();

    expect(files.map(({ mail }) => mail.subject).sort()).toEqual([
      'Reset your password',
      'Reset your password',
      'Verify your email address',
    ]);
    const ids = (await outboxRows(t, user.email)).map((row) => row.id).sort();
    expect(files.map(({ name }) => /-(\d+)\.eml$/.exec(name)?.[1]).sort()).toEqual(ids);
    for (const { name, mail } of files) {
      expect(statSync(join(dir, name)).mode & 0o777).toBe(0o600);
      expect(mail.from?.value).toEqual([{ name: 'Warden', address: 'no-reply@localhost' }]);
      expect(mail.text).toMatch(/\/account\/(verify-email|reset-password)\?token=[\w-]{43}\b/);
      expect(mail.html).toMatch(
        /href="http:\/\/localhost:\d+\/account\/(verify-email|reset-password)\?token=[\w-]{43}"/,
      );
    }
  });
});

describe('MAIL_TEMPLATES_DIR', () => {
  const dirs: string[] = [];

  function templatesDir(files: Record<string, string>): string {
    const dir = temporaryDir();
    dirs.push(dir);
    for (const [name, body] of Object.entries(files)) {
      writeFileSync(join(dir, name), body);
    }
    return dir;
  }

  afterAll(() => {
    for (const dir of dirs) {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    [
      'names an unknown value',
      'reset-password.html',
      '<p><a href="{{link}}">Reset</a> the password of {{username}}</p>',
      /mail template \/\S+\/reset-password\.html: unknown \{\{username\}\}/,
    ],
    [
      'leaves the link out of a link mail',
      'verify-email.txt',
      'Hello {{email}}, your account is ready.',
      /mail template \/\S+\/verify-email\.txt: must contain \{\{link\}\} exactly once/,
    ],
  ])(
    'should refuse to boot with a template that %s, naming the file',
    async (_, file, body, message) => {
      // Nest creates the providers together and closes none when one fails (main.ts then exits):
      // the database would go on opening after the refused boot, past the end of the spec. It is
      // kept from opening at all; the templates are checked as in any boot.
      const opening = jest
        .spyOn(DataSource.prototype, 'initialize')
        .mockReturnValue(new Promise<never>(() => {}));
      try {
        await expect(
          startTestApp({ MAIL_TEMPLATES_DIR: templatesDir({ [file]: body }) }),
        ).rejects.toThrow(message);
      } finally {
        opening.mockRestore();
      }
    },
    BOOT_TIMEOUT,
  );

  it(
    'should send a mail with the template file that replaces a built-in one',
    async () => {
      const out = join(templatesDir({}), 'out');
      const t = await startTestApp({
        MAIL_URL: pathToFileURL(out).href,
        MAIL_TEMPLATES_DIR: templatesDir({
          'reset-password.subject.txt': 'Acme: choose a new password for {{email}}\n',
        }),
      });
      try {
        const email = uniqueEmail();
        await registerUser(t.http, { email });
        await forgot(t, email);

        const subjects = async () => (await emlFiles(out)).map(({ mail }) => mail.subject);
        expect(
          await within(10_000, async () =>
            (await subjects()).includes(`Acme: choose a new password for ${email}`),
          ),
        ).toBe(true);
        // The other files of that kind, and the other kinds, stay built in.
        const reset = (await emlFiles(out)).find(({ mail }) => mail.subject?.startsWith('Acme:'));
        expect(reset!.mail.text).toContain('To choose a new password, open this link:');
        expect(await subjects()).toContain('Verify your email address');
      } finally {
        await t.close();
      }
    },
    BOOT_TIMEOUT,
  );
});
