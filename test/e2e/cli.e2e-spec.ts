import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';

import { DataSource } from 'typeorm';

import { runCli, type CliIo } from 'src/cli';
import { PglitePool } from 'src/database/pglite-driver';

import {
  login,
  PASSWORD,
  refreshWithBody,
  registerUser,
  uniqueEmail,
} from 'test/support/factories';
import { startTestApp, testEnv, type TestApp } from 'test/support/test-app';

interface CliRun {
  code: number;
  printed: string[];
  printedErrors: string[];
  /** Whatever else reached the terminal while the command ran, such as a framework's logs. */
  otherOutput: string;
}

async function cli(args: string[], env: Record<string, string>): Promise<CliRun> {
  const printed: string[] = [];
  const printedErrors: string[] = [];
  const io: CliIo = {
    env: testEnv({ WARDEN_ADMIN_PASSWORD: PASSWORD, ...env }),
    stdin: Readable.from([]),
    print: (line) => printed.push(line),
    printError: (line) => printedErrors.push(line),
  };
  let otherOutput = '';
  const capture = (chunk: string | Uint8Array) => {
    otherOutput += String(chunk);
    return true;
  };
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(capture);
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(capture);
  try {
    const code = await runCli(args, io);
    return { code, printed, printedErrors, otherOutput };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('npm run cli -- create-admin', () => {
  let dataDir: string;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'warden-cli-'));
  });

  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('should create an administrator on the embedded database', async () => {
    const email = uniqueEmail('admin');

    const run = await cli(['create-admin', '--email', email], {
      DATA_DIR: dataDir,
      DATABASE_URL: '',
    });

    expect(run).toEqual({
      code: 0,
      printed: [`Created the administrator ${email}.`],
      printedErrors: [],
      otherOutput: '',
    });
  });

  it('should say in one line that another process holds the embedded database, and exit 1', async () => {
    const server = new PglitePool({ dataDir: join(dataDir, 'pglite') });
    await server.query('SELECT 1');

    const run = await cli(['create-admin', '--email', uniqueEmail('admin')], {
      DATA_DIR: dataDir,
      DATABASE_URL: '',
    });
    await server.end();

    expect(run).toEqual({
      code: 1,
      printed: [],
      printedErrors: [
        `The embedded database in ${join(dataDir, 'pglite')} is in use by process ${process.pid}. PGlite allows one process: stop that one, or use PostgreSQL (DATABASE_URL).`,
      ],
      otherOutput: '',
    });
  });

  it('should say in one line why PostgreSQL cannot be reached, without the password, and exit 1', async () => {
    const port = await closedPort();

    const run = await cli(['create-admin', '--email', uniqueEmail('admin')], {
      DATA_DIR: dataDir,
      DATABASE_URL: `postgres://warden:db-s3cret@127.0.0.1:${port}/warden`,
    });

    expect(run).toEqual({
      code: 1,
      printed: [],
      printedErrors: [
        `Cannot connect to the database in DATABASE_URL (postgres://warden:***@127.0.0.1:${port}/warden): connection refused (is PostgreSQL running and listening on 127.0.0.1:${port}?)`,
      ],
      otherOutput: '',
    });
  });
});

describe('npm run cli -- disable-user, enable-user and reset-password-link', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'warden-cli-users-'));
  const env = { DATA_DIR: dataDir };

  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** A server on the database the CLI uses, closed before the CLI runs again (PGlite: one process). */
  async function withServer<T>(work: (t: TestApp) => Promise<T>): Promise<T> {
    const t = await startTestApp({ DATA_DIR: dataDir });
    try {
      return await work(t);
    } finally {
      await t.close();
    }
  }

  function loginStatus(t: TestApp, email: string, password = PASSWORD) {
    return t.http.post('/auth/login').send({ email, password, transport: 'body' });
  }

  it('should disable a user and end its sessions at once, saying so in one line', async () => {
    const user = await withServer(async (t) => {
      const registered = await registerUser(t.http);
      await login(t.http, registered.email);
      return registered;
    });

    const first = await cli(['disable-user', '--email', user.email.toUpperCase()], env);
    const second = await cli(['disable-user', '--email', user.email], env);

    expect(first).toEqual({
      code: 0,
      printed: [`Disabled ${user.email}; 2 sessions ended.`],
      printedErrors: [],
      otherOutput: '',
    });
    expect(second).toMatchObject({
      code: 0,
      printed: [`${user.email} was disabled already; 0 sessions ended.`],
    });
    await withServer(async (t) => {
      await refreshWithBody(t.http, user.refreshToken).expect(401, /session_revoked/);
      await loginStatus(t, user.email).expect(403, /account_disabled/);
      await loginStatus(t, user.email, 'not the password at all').expect(
        401,
        /invalid_credentials/,
      );
    });
  });

  it('should enable a disabled user, who can then log in', async () => {
    const user = await withServer((t) => registerUser(t.http));
    await cli(['disable-user', '--email', user.email], env);

    const first = await cli(['enable-user', '--email', user.email], env);
    const second = await cli(['enable-user', '--email', user.email], env);

    expect(first).toEqual({
      code: 0,
      printed: [`Enabled ${user.email}.`],
      printedErrors: [],
      otherOutput: '',
    });
    expect(second).toMatchObject({ code: 0, printed: [`${user.email} was not disabled.`] });
    await withServer(async (t) => {
      await loginStatus(t, user.email).expect(200);
    });
  });

  it('should print a reset link that sets a new password, without sending mail', async () => {
    const user = await withServer((t) => registerUser(t.http));

    const run = await cli(['reset-password-link', '--email', user.email], env);

    expect(run).toMatchObject({ code: 0, printedErrors: [], otherOutput: '' });
    expect(run.printed).toHaveLength(1);
    const [, expiresIn, link] =
      /^Password-reset link for (?:\S+) \(works once, for (.+)\): (\S+)$/.exec(run.printed[0])!;
    expect(run.printed[0]).toContain(user.email);
    expect(expiresIn).toBe('1 hour');
    await withServer(async (t) => {
      expect(link.startsWith(`${t.config.accounts.url}/reset-password?token=`)).toBe(true);
      const token = new URL(link).searchParams.get('token');
      await t.http
        .post('/auth/password/reset')
        .send({ token, newPassword: 'a brand new passphrase' })
        .expect(204);
      await loginStatus(t, user.email, 'a brand new passphrase').expect(200);
      const mails = await t.app
        .get(DataSource)
        .query<{ template: string }[]>(
          'SELECT template FROM mail_outbox WHERE recipient = $1 ORDER BY id',
          [user.email],
        );
      expect(mails.map((mail) => mail.template)).toEqual(['verify-email', 'password-reset']);
    });
  });

  it.each(['disable-user', 'enable-user', 'reset-password-link'])(
    'should say in one line that %s found no account, and exit 1',
    async (command) => {
      const email = uniqueEmail('nobody');

      const run = await cli([command, '--email', email], env);

      expect(run).toEqual({
        code: 1,
        printed: [],
        printedErrors: [`There is no account with the email ${email}.`],
        otherOutput: '',
      });
    },
  );

  it('should explain its commands for an unknown one, and exit 2', async () => {
    const run = await cli(['remove-user', '--email', uniqueEmail()], env);

    expect(run.code).toBe(2);
    expect(run.printed).toEqual([]);
    for (const command of ['create-admin', 'disable-user', 'enable-user', 'reset-password-link']) {
      expect(run.printedErrors.join('\n')).toContain(command);
    }
  });

  it('should explain its commands on --help, and exit 0', async () => {
    const run = await cli(['--help'], env);

    expect(run.code).toBe(0);
    expect(run.printedErrors.join('\n')).toContain('reset-password-link');
  });
});
