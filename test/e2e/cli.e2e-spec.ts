import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';

import { runCli, type CliIo } from 'src/cli';
import { PglitePool } from 'src/database/pglite-driver';

import { PASSWORD, uniqueEmail } from 'test/support/factories';
import { testEnv } from 'test/support/test-app';

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
