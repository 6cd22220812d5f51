/**
 * `npm run bench`: Warden against its ceilings, in one sitting.
 *
 * Starts a bare Fastify hello-world (the HTTP ceiling) and Warden's production build, each in its
 * own process; seeds users; then measures GET /users/me, POST /auth/refresh (every request presents
 * a valid, never-used refresh token), POST /auth/login at 4 connections against raw argon2id
 * verification (its ceiling), and GET /users/me while logins saturate the CPU. Each figure is the
 * median of --runs runs. Prints a table and writes the results as JSON.
 *
 *   npm run bench -- [--connections 50] [--duration 10] [--runs 3] [--sessions 1000000]
 *                    [--output bench-results/bench.json]
 *
 * On PostgreSQL when DATABASE_URL is set, on the embedded database otherwise. --sessions N (on
 * PostgreSQL) also measures refreshes with N sessions in the table against 1,000.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

import autocannon, { type Result } from 'autocannon';
import { Client } from 'pg';

const ROOT = resolve(__dirname, '..', '..');
const PASSWORD = 'bench passphrase 2026';

interface Options {
  connections: number;
  duration: number;
  runs: number;
  sessions: number;
  output: string;
}

interface Figure {
  name: string;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  ceiling?: string;
  ratio?: number;
  target?: string;
  met?: boolean;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      connections: { type: 'string', default: '50' },
      duration: { type: 'string', default: '10' },
      runs: { type: 'string', default: '3' },
      sessions: { type: 'string', default: '0' },
      output: { type: 'string', default: 'bench-results/bench.json' },
    },
  });
  return {
    connections: Number(values.connections),
    duration: Number(values.duration),
    runs: Number(values.runs),
    sessions: Number(values.sessions),
    output: values.output,
  };
}

function freePort(): Promise<number> {
  return new Promise((ok) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => ok(port));
    });
  });
}

async function waitFor(url: string, child: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 300; attempt++) {
    if (child.exitCode !== null) {
      throw new Error(`${url}: the process exited with ${child.exitCode}`);
    }
    try {
      if ((await fetch(url)).ok) {
        return;
      }
    } catch {
      // not listening yet
    }
    await new Promise((ok) => setTimeout(ok, 200));
  }
  throw new Error(`${url} did not come up`);
}

/** Resident set size of a process, now and at its peak, in MB (Linux). */
function rssMb(pid: number): { now: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  return { now: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function load(opts: autocannon.Options): Promise<Result> {
  return autocannon({ ...opts, setupClient: undefined });
}

async function post(base: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) {
    throw new Error(`${path}: ${response.status} ${await response.text()}`);
  }
  return (await response.json()) as Record<string, unknown>;
}

function startNode(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'inherit'] });
}

const FASTIFY_HELLO = `
  const app = require('fastify')();
  app.get('/', async () => ({ hello: 'world' }));
  app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
`;

/** argon2id verifications per second with `inFlight` at once, in a process of its own. */
const ARGON2_RAW = `
  const argon2 = require('argon2');
  const params = { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 };
  (async () => {
    const hash = await argon2.hash('bench passphrase 2026', params);
    const until = Date.now() + Number(process.env.DURATION) * 1000;
    let done = 0;
    const worker = async () => { while (Date.now() < until) { await argon2.verify(hash, 'bench passphrase 2026'); done++; } };
    const start = Date.now();
    await Promise.all(Array.from({ length: Number(process.env.IN_FLIGHT) }, worker));
    console.log(JSON.stringify({ perSecond: done / ((Date.now() - start) / 1000) }));
  })();
`;

/** As the Dockerfile runs Warden: one libuv thread per CPU (src/threadpool.ts), two malloc arenas. */
const PRODUCTION_ENV = {
  NODE_ENV: 'production',
  UV_THREADPOOL_SIZE: String(Math.max(2, availableParallelism())),
  MALLOC_ARENA_MAX: '2',
};

function rawArgon2(duration: number, inFlight: number): Promise<number> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, ['-e', ARGON2_RAW], {
      cwd: ROOT,
      env: {
        ...process.env,
        ...PRODUCTION_ENV,
        DURATION: String(duration),
        IN_FLIGHT: String(inFlight),
      },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) =>
      code === 0
        ? ok((JSON.parse(output) as { perSecond: number }).perSecond)
        : fail(new Error(`argon2: ${code}`)),
    );
  });
}

/** Inserts sessions for `userId` until the table holds `total`, with one set-based statement. */
async function seedSessions(databaseUrl: string, userId: string, total: number): Promise<void> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ count: string }>('SELECT count(*) FROM sessions');
    const missing = total - Number(rows[0].count);
    if (missing > 0) {
      await client.query(
        `INSERT INTO sessions (id, user_id, refresh_jti_hash, created_at, last_used_at, idle_expires_at, expires_at)
         SELECT gen_random_uuid(), $1, sha256(convert_to(gen_random_uuid()::text, 'UTF8')),
                now(), now(), now() + interval '7 days', now() + interval '30 days'
         FROM generate_series(1, $2)`,
        [userId, missing],
      );
      await client.query('ANALYZE sessions');
    }
  } finally {
    await client.end();
  }
}

/** Refreshes at `connections`, every request with a valid refresh token that was never used. */
async function refreshLoad(
  base: string,
  email: string,
  opts: Options,
  seconds: number,
): Promise<Result> {
  const unused: string[] = [];
  for (let i = 0; i < opts.connections; i++) {
    unused.push(
      (await post(base, '/auth/login', { email, password: PASSWORD, transport: 'body' }))
        .refreshToken as string,
    );
  }
  return load({
    url: `${base}/auth/refresh`,
    connections: opts.connections,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        setupRequest: (request) => ({
          ...request,
          body: JSON.stringify({ refreshToken: unused.pop() }),
        }),
        onResponse: (status, body) => {
          if (status === 200) {
            unused.push((JSON.parse(body) as { refreshToken: string }).refreshToken);
          }
        },
      },
    ],
  });
}

function table(figures: Figure[], rssMb: number): string {
  const rows = figures.map((figure) => [
    figure.name,
    figure.requestsPerSecond.toFixed(0),
    figure.p50.toFixed(1),
    figure.p99.toFixed(1),
    figure.ratio === undefined ? '' : `${(figure.ratio * 100).toFixed(1)} % of ${figure.ceiling}`,
    figure.target ? `${figure.target} ${figure.met ? 'met' : 'MISSED'}` : '',
  ]);
  const header = ['measure', 'req/s', 'p50 ms', 'p99 ms', 'ratio', 'target'];
  const widths = header.map((title, i) =>
    Math.max(title.length, ...rows.map((row) => row[i].length)),
  );
  const line = (cells: string[]) =>
    `| ${cells.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`;
  return [
    line(header),
    line(widths.map((width) => '-'.repeat(width))),
    ...rows.map(line),
    '',
    `Peak RSS of the Warden process: ${rssMb.toFixed(0)} MB (target < 250 MB: ${rssMb < 250 ? 'met' : 'MISSED'})`,
  ].join('\n');
}

function startWarden(port: number, dataDir: string): ChildProcess {
  // The command line of the Dockerfile and `npm run start:prod`.
  return startNode(['--max-semi-space-size=4', '--max-old-space-size=256', 'dist/src/main.js'], {
    ...process.env,
    ...PRODUCTION_ENV,
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    REFRESH_TOKEN_SECRET: randomBytes(48).toString('base64url'),
    JWT_SIGNING_KEY_FILES: '',
    JWT_SIGNING_KEYS: generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .privateKey.export({ format: 'pem', type: 'pkcs8' })
      .toString(),
    // One client address sends all the load: the limits must not be what is measured.
    RATE_LIMIT_GLOBAL: '100000000/60s',
    RATE_LIMIT_LOGIN: '100000000/60s',
    RATE_LIMIT_REFRESH: '100000000/60s',
  });
}

/**
 * Measures `subject` and its ceiling alternately, `runs` times, after one short warm-up of the
 * subject; the ratio is the median of the per-run ratios, so that a machine whose speed drifts
 * during the sitting still compares like with like.
 */
async function paired(
  opts: Options,
  subject: { name: string; run: (seconds: number) => Promise<Result> },
  ceiling: { name: string; run: () => Promise<number> },
): Promise<{ figure: Figure; ceilingPerSecond: number }> {
  await subject.run(2);
  const results: Result[] = [];
  const ceilings: number[] = [];
  const ratios: number[] = [];
  for (let i = 0; i < opts.runs; i++) {
    const ceilingPerSecond = await ceiling.run();
    const result = await subject.run(opts.duration);
    results.push(result);
    ceilings.push(ceilingPerSecond);
    ratios.push(result.requests.average / ceilingPerSecond);
  }
  return {
    figure: {
      name: subject.name,
      requestsPerSecond: median(results.map((result) => result.requests.average)),
      p50: median(results.map((result) => result.latency.p50)),
      p99: median(results.map((result) => result.latency.p99)),
      errors: results.reduce((sum, result) => sum + result.errors + result.non2xx, 0),
      ceiling: ceiling.name,
      ratio: median(ratios),
    },
    ceilingPerSecond: median(ceilings),
  };
}

function loginLoad(base: string, email: string, seconds: number): Promise<Result> {
  return load({
    url: `${base}/auth/login`,
    connections: 4,
    duration: seconds,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD, transport: 'body' }),
  });
}

async function main(): Promise<void> {
  const opts = options();
  const databaseUrl = process.env.DATABASE_URL;
  if (opts.sessions > 0 && !databaseUrl) {
    throw new Error('--sessions needs PostgreSQL: set DATABASE_URL');
  }

  // The HTTP ceiling, a bare Fastify hello-world, stays up to be measured between Warden's runs.
  const fastifyPort = await freePort();
  const fastify = startNode(['-e', FASTIFY_HELLO], { ...process.env, PORT: String(fastifyPort) });
  const ceilingUrl = `http://127.0.0.1:${fastifyPort}/`;
  const dataDir = mkdtempSync(join(tmpdir(), 'warden-bench-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const warden = startWarden(port, dataDir);
  try {
    await waitFor(ceilingUrl, fastify);
    await waitFor(`${base}/health/ready`, warden);
    const fastifyCeiling = {
      name: 'Fastify',
      run: async () =>
        (await load({ url: ceilingUrl, connections: opts.connections, duration: opts.duration }))
          .requests.average,
    };
    const argon2Ceiling = { name: 'argon2', run: () => rawArgon2(opts.duration, 4) };

    const email = `bench-${Date.now()}@example.com`;
    const registered = await post(base, '/auth/register', {
      email,
      password: PASSWORD,
      transport: 'body',
    });
    const accessToken = registered.accessToken as string;
    const userId = (registered.user as { id: string }).id;
    if (opts.sessions > 0) {
      await seedSessions(databaseUrl!, userId, 1_000);
    }
    const readMe = (seconds: number, connections = opts.connections) =>
      load({
        url: `${base}/users/me`,
        connections,
        duration: seconds,
        headers: { authorization: `Bearer ${accessToken}` },
      });

    const progress = (done: string) => {
      const { now, peak } = rssMb(warden.pid!);
      console.log(`${done}: Warden RSS ${now.toFixed(0)} MB, peak so far ${peak.toFixed(0)} MB`);
    };
    progress('seeded');
    const me = await paired(
      opts,
      { name: 'GET /users/me', run: (seconds) => readMe(seconds) },
      fastifyCeiling,
    );
    progress('GET /users/me');
    const refresh = await paired(
      opts,
      { name: 'POST /auth/refresh', run: (seconds) => refreshLoad(base, email, opts, seconds) },
      fastifyCeiling,
    );
    progress('POST /auth/refresh');
    const login = await paired(
      opts,
      {
        name: 'POST /auth/login (4 connections)',
        run: (seconds) => loginLoad(base, email, seconds),
      },
      argon2Ceiling,
    );
    progress('POST /auth/login');
    const underLogins = await paired(
      opts,
      {
        name: 'GET /users/me while logins run',
        run: async (seconds) =>
          (await Promise.all([readMe(seconds, 2), loginLoad(base, email, seconds)]))[0],
      },
      argon2Ceiling,
    );

    progress('GET /users/me while logins run');
    const figures: Figure[] = [
      {
        name: 'bare Fastify hello-world',
        requestsPerSecond: me.ceilingPerSecond,
        p50: 0,
        p99: 0,
        errors: 0,
      },
      { ...me.figure, target: '>= 20 %', met: me.figure.ratio! >= 0.2 },
      {
        ...refresh.figure,
        target: '>= 10 %, p99 < 50 ms',
        met: refresh.figure.ratio! >= 0.1 && refresh.figure.p99 < 50,
      },
      {
        name: 'raw argon2id verify (4 in flight)',
        requestsPerSecond: login.ceilingPerSecond,
        p50: 0,
        p99: 0,
        errors: 0,
      },
      { ...login.figure, target: '>= 85 %', met: login.figure.ratio! >= 0.85 },
      {
        ...underLogins.figure,
        ceiling: undefined,
        ratio: undefined,
        target: 'p99 < 50 ms',
        met: underLogins.figure.p99 < 50,
      },
    ];

    if (opts.sessions > 0) {
      await seedSessions(databaseUrl!, userId, opts.sessions);
      const big = await paired(
        opts,
        {
          name: `POST /auth/refresh, ${opts.sessions} sessions`,
          run: (seconds) => refreshLoad(base, email, opts, seconds),
        },
        fastifyCeiling,
      );
      figures.push({
        ...big.figure,
        ceiling: 'the p50 at 1,000 sessions',
        ratio: big.figure.p50 / refresh.figure.p50,
        target: 'p50 <= 1.2 x',
        met: big.figure.p50 <= 1.2 * refresh.figure.p50,
      });
    }

    const rss = rssMb(warden.pid!).peak;
    console.log(`\n${table(figures, rss)}\n`);
    const output = resolve(ROOT, opts.output);
    mkdirSync(dirname(output), { recursive: true });
    writeFileSync(
      output,
      JSON.stringify(
        {
          date: new Date().toISOString(),
          options: opts,
          database: databaseUrl ? 'postgresql' : 'embedded',
          figures,
          peakRssMb: rss,
        },
        null,
        2,
      ),
    );
    console.log(`Results written to ${opts.output}`);
  } finally {
    fastify.kill();
    warden.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
