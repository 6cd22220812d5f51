/**
 * `npm run bench:forgot`: does the time POST /auth/password/forgot takes say anything about the
 * address? Its medians must be within 10 % for an unknown address, an existing one, one in
 * cooldown and while SMTP is down.
 *
 * Starts an SMTP sink (smtp-server) and three Warden production builds, each in its own process
 * with its own database, as `npm run bench` does:
 *
 *   - "sends":     MAIL_COOLDOWN=0, MAIL_URL at the sink: every request for its account sends;
 *   - "cooldown":  the default MAIL_COOLDOWN (60s), MAIL_URL at the sink: after the first request,
 *                  its account is in cooldown;
 *   - "smtp down": MAIL_COOLDOWN=0, MAIL_URL at a port where nothing listens.
 *
 * The four cases need two cooldowns and two SMTP states, so they cannot share one process. Each
 * instance registers one account; then one client sends, one request at a time, round after
 * round, (a) an unknown address to "sends", (b) its account's address to "sends", (c) its
 * account's address to "cooldown", (d) its account's address to "smtp down", and, as controls that
 * tell an instance's own speed from the address's effect, an unknown address to "cooldown" and to
 * "smtp down". The six requests of a round go in an order shuffled for each round (seeded by
 * --seed): the work a request leaves behind (it is done after the answer) slows whatever request
 * the same instance gets next, and a fixed order would charge it to one case. RATE_LIMIT_GLOBAL
 * and RATE_LIMIT_MAIL are raised out of reach. Each answer must be 202 with the body of the
 * first; a request's time runs from sending it to reading its whole answer. The first --warmup
 * rounds are not counted.
 *
 * Then the after-effect itself, on "sends": pairs of requests, the second (an unknown address)
 * sent as soon as the first is answered, the first alternately an unknown address and the
 * account's, with --pause ms before each pair. Were the work left behind by a request for an
 * existing account heavier than that of an unknown address, the second request of its pairs
 * would be slower: a client could learn about an address from the request after it.
 *
 * Prints the median and p90 of each case in ms, each median's ratio to the unknown-address
 * median on the same instance (the comparison that matters: a client asks one deployment) and to
 * (a)'s, the after-effect, a check that the mail went where it should (one reset mail for each
 * request for the "sends" account, a single one for the "cooldown" account), and last whether
 * all medians are within 10 %.
 *
 *   npm run bench:forgot -- [--requests 200] [--warmup 20] [--seed 1] [--pause 25]
 *
 * On PostgreSQL when DATABASE_URL is set ("sends" uses that database; the script creates, and
 * drops at the end, `<database>_cooldown` and `<database>_smtp_down` beside it), on the embedded
 * database otherwise.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { Client, escapeIdentifier } from 'pg';
import { SMTPServer } from 'smtp-server';

const ROOT = resolve(__dirname, '..', '..');
const PASSWORD = 'forgot timing passphrase 2026';
const OUT_OF_REACH = '100000000/60s';
/** How far apart the medians may be. */
const TOLERANCE = 0.1;

interface Options {
  requests: number;
  warmup: number;
  seed: number;
  pause: number;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      requests: { type: 'string', default: '200' },
      warmup: { type: 'string', default: '20' },
      seed: { type: 'string', default: '1' },
      pause: { type: 'string', default: '25' },
    },
  });
  return {
    requests: Number(values.requests),
    warmup: Number(values.warmup),
    seed: Number(values.seed),
    pause: Number(values.pause),
  };
}

/** mulberry32: the same shuffles for the same --seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function shuffled<T>(items: T[], next: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}

function freePort(): Promise<number> {
  return new Promise((ok) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => ok(port));
    });
  });
}

/** An SMTP server that takes every mail and remembers whom it was for. */
interface SmtpSink {
  port: number;
  /** Mails received, by recipient. */
  received: Map<string, number>;
  close(): Promise<void>;
}

async function startSmtpSink(): Promise<SmtpSink> {
  const received = new Map<string, number>();
  const server = new SMTPServer({
    authOptional: true,
    // Plain SMTP: nodemailer would otherwise upgrade to TLS and refuse the sink's certificate.
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      stream.resume();
      stream.on('end', () => {
        for (const { address } of session.envelope.rcptTo) {
          received.set(address, (received.get(address) ?? 0) + 1);
        }
        callback();
      });
    },
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  const { port } = server.server.address() as AddressInfo;
  return { port, received, close: () => new Promise((ok) => server.close(() => ok())) };
}

/** A database of an instance: its DATABASE_URL, or undefined for the embedded one. */
interface Database {
  url?: string;
  drop(): Promise<void>;
}

async function onServer(baseUrl: string, sql: string): Promise<void> {
  const client = new Client({ connectionString: baseUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A fresh database beside the one `baseUrl` names, on the same server. */
async function siblingDatabase(baseUrl: string, suffix: string): Promise<Database> {
  const url = new URL(baseUrl);
  const name = `${decodeURIComponent(url.pathname.slice(1))}_${suffix}`;
  const drop = () =>
    onServer(baseUrl, `DROP DATABASE IF EXISTS ${escapeIdentifier(name)} WITH (FORCE)`);
  await drop();
  await onServer(baseUrl, `CREATE DATABASE ${escapeIdentifier(name)}`);
  url.pathname = `/${encodeURIComponent(name)}`;
  return { url: url.href, drop };
}

interface Instance {
  name: string;
  base: string;
  process: ChildProcess;
  dataDir: string;
  database: Database;
  /** The address of the account registered on it. */
  email: string;
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

/** Warden's production build, as `npm run start:prod` and the bench start it. */
async function startWarden(
  name: string,
  database: Database,
  env: Record<string, string>,
): Promise<Instance> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'warden-forgot-'));
  const child = spawn(
    process.execPath,
    ['--max-semi-space-size=4', '--max-old-space-size=256', 'dist/src/main.js'],
    {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        ...process.env,
        NODE_ENV: 'production',
        MALLOC_ARENA_MAX: '2',
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        DATABASE_URL: database.url ?? '',
        REFRESH_TOKEN_SECRET: randomBytes(48).toString('base64url'),
        JWT_SIGNING_KEY_FILES: '',
        JWT_SIGNING_KEYS: generateKeyPairSync('ec', { namedCurve: 'P-256' })
          .privateKey.export({ format: 'pem', type: 'pkcs8' })
          .toString(),
        // One client sends everything, and one address 200 times: no limit may be what is measured.
        RATE_LIMIT_GLOBAL: OUT_OF_REACH,
        RATE_LIMIT_MAIL: OUT_OF_REACH,
        RATE_LIMIT_REGISTER_IP: OUT_OF_REACH,
        ...env,
      },
    },
  );
  const base = `http://127.0.0.1:${port}`;
  const instance = { name, base, process: child, dataDir, database, email: '' };
  try {
    await waitFor(`${base}/health/ready`, child);
    instance.email = `forgot-${name.replace(/\W/g, '-')}-${randomUUID()}@example.com`;
    const response = await fetch(`${base}/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: instance.email, password: PASSWORD, transport: 'body' }),
    });
    if (response.status !== 201) {
      throw new Error(`${name}: registering answered ${response.status} ${await response.text()}`);
    }
    return instance;
  } catch (error) {
    await stopWarden(instance);
    throw error;
  }
}

async function stopWarden(instance: Instance): Promise<void> {
  if (instance.process.exitCode === null) {
    const exited = new Promise((ok) => instance.process.once('exit', ok));
    instance.process.kill('SIGTERM');
    await exited;
  }
  rmSync(instance.dataDir, { recursive: true, force: true });
  await instance.database.drop();
}

function unknownAddress(): string {
  return `nobody-${randomUUID()}@example.com`;
}

interface Case {
  label: string;
  instance: Instance;
  email: () => string;
  /** The unknown-address case on the same instance: `this` for the unknown ones. */
  baseline?: Case;
  /** Controls are measured and shown, but not judged. */
  control?: boolean;
  times: number[];
}

let expectedBody: string | undefined;

/** One forgot-password request, timed from sending it to reading the whole answer. */
async function forgot(instance: Instance, email: string): Promise<number> {
  const start = performance.now();
  const response = await fetch(`${instance.base}/auth/password/forgot`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email }),
  });
  const body = await response.text();
  const ms = performance.now() - start;
  expectedBody ??= body;
  if (response.status !== 202 || body !== expectedBody) {
    throw new Error(`${instance.name}: ${response.status} ${body} (expected 202 ${expectedBody})`);
  }
  return ms;
}

function sorted(values: number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

/** The nearest-rank percentile `p` (0-1). */
function percentile(values: number[], p: number): number {
  const ordered = sorted(values);
  return ordered[Math.max(0, Math.ceil(p * ordered.length) - 1)];
}

function median(values: number[]): number {
  const ordered = sorted(values);
  const middle = Math.floor(ordered.length / 2);
  return ordered.length % 2 ? ordered[middle] : (ordered[middle - 1] + ordered[middle]) / 2;
}

function signedPercent(ratio: number): string {
  const percent = (ratio - 1) * 100;
  return `${percent >= 0 ? '+' : ''}${percent.toFixed(1)} %`;
}

function table(cases: Case[], reference: Case): string {
  const header = [
    'case',
    'instance',
    'median ms',
    'p90 ms',
    'ratio (same instance)',
    'ratio to (a)',
  ];
  const rows = cases.map((c) => {
    const m = median(c.times);
    const own = c.baseline ? m / median(c.baseline.times) : 1;
    return [
      c.label,
      c.instance.name,
      m.toFixed(3),
      percentile(c.times, 0.9).toFixed(3),
      `${own.toFixed(3)} (${signedPercent(own)})`,
      (m / median(reference.times)).toFixed(3),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/**
 * Waits until `count` reaches `target`, or has not changed for `quietMs` (at most `ms` in all);
 * its last value.
 */
async function settledCount(
  count: () => number,
  target: number,
  { ms = 60_000, quietMs = 5_000 } = {},
): Promise<number> {
  const deadline = Date.now() + ms;
  let last = count();
  let changedAt = Date.now();
  while (last < target && Date.now() < deadline && Date.now() - changedAt < quietMs) {
    await new Promise((ok) => setTimeout(ok, 100));
    if (count() !== last) {
      last = count();
      changedAt = Date.now();
    }
  }
  return last;
}

async function main(): Promise<void> {
  const opts = options();
  const databaseUrl = process.env.DATABASE_URL || undefined;
  const sink = await startSmtpSink();
  const deadPort = await freePort();
  const instances: Instance[] = [];
  try {
    const embedded: Database = { drop: () => Promise.resolve() };
    const given: Database = { url: databaseUrl, drop: () => Promise.resolve() };
    const sinkUrl = `smtp://127.0.0.1:${sink.port}`;
    const sends = await startWarden('sends', databaseUrl ? given : embedded, {
      MAIL_URL: sinkUrl,
      MAIL_COOLDOWN: '0',
    });
    instances.push(sends);
    const cooldown = await startWarden(
      'cooldown',
      databaseUrl ? await siblingDatabase(databaseUrl, 'cooldown') : embedded,
      { MAIL_URL: sinkUrl },
    );
    instances.push(cooldown);
    const down = await startWarden(
      'smtp down',
      databaseUrl ? await siblingDatabase(databaseUrl, 'smtp_down') : embedded,
      { MAIL_URL: `smtp://127.0.0.1:${deadPort}`, MAIL_COOLDOWN: '0' },
    );
    instances.push(down);

    const unknownOn = (instance: Instance, label: string, control: boolean): Case => {
      const c: Case = { label, instance, email: unknownAddress, control, times: [] };
      c.baseline = c;
      return c;
    };
    const a = unknownOn(sends, '(a) unknown address', false);
    const controlCooldown = unknownOn(cooldown, 'control: unknown address', true);
    const controlDown = unknownOn(down, 'control: unknown address', true);
    const existing = (label: string, instance: Instance, baseline: Case): Case => ({
      label,
      instance,
      email: () => instance.email,
      baseline,
      times: [],
    });
    const b = existing('(b) existing address, mail sent', sends, a);
    const c = existing('(c) existing address, in cooldown', cooldown, controlCooldown);
    const d = existing('(d) existing address, SMTP down', down, controlDown);
    const order = [a, b, c, d, controlCooldown, controlDown];

    console.log(
      `${databaseUrl ? 'PostgreSQL' : 'Embedded database'}; ${opts.warmup} warm-up rounds, then ${opts.requests} counted, each in its own shuffled order (seed ${opts.seed}); one client, one request at a time`,
    );
    const next = random(opts.seed);
    for (let round = 0; round < opts.warmup + opts.requests; round++) {
      for (const item of shuffled(order, next)) {
        const ms = await forgot(item.instance, item.email());
        if (round >= opts.warmup) {
          item.times.push(ms);
        }
      }
    }
    console.log(`\n${table(order, a)}\n`);

    const after = await afterEffect(sends, opts);
    console.log(
      [
        `On "sends", ${opts.requests} pairs of each kind, ${opts.pause} ms after the last answer:`,
        comparison('the first request, alone', after.alone.unknown, after.alone.existing),
        comparison(
          'the next one (an unknown address), right after the first; by the first',
          after.next.unknown,
          after.next.existing,
        ),
      ].join('\n'),
    );
    const resets = opts.warmup + opts.requests + opts.requests;
    console.log(`Mail check: ${await mailCheck(sink, sends, cooldown, resets)}`);

    const judged = [b, c, d];
    const difference = (x: Case, to: Case) => Math.abs(median(x.times) / median(to.times) - 1);
    const worst = Math.max(...judged.map((x) => difference(x, x.baseline!)));
    const worstToA = Math.max(...judged.map((x) => difference(x, a)));
    console.log(
      `All medians within ${TOLERANCE * 100} % of the unknown-address median on their instance: ${worst <= TOLERANCE ? 'YES' : 'NO'} (largest difference ${(worst * 100).toFixed(1)} %; to (a) itself ${(worstToA * 100).toFixed(1)} %)`,
    );
  } finally {
    for (const instance of instances) {
      await stopWarden(instance);
    }
    await sink.close();
  }
}

interface AfterEffect {
  /** The first request of each pair, `--pause` ms after the last answer: its time alone. */
  alone: { unknown: number[]; existing: number[] };
  /** The second request of each pair (an unknown address), by what the first asked for. */
  next: { unknown: number[]; existing: number[] };
}

/** Pairs of requests to `instance` (see the header). */
async function afterEffect(instance: Instance, opts: Options): Promise<AfterEffect> {
  const result: AfterEffect = {
    alone: { unknown: [], existing: [] },
    next: { unknown: [], existing: [] },
  };
  for (let i = 0; i < 2 * opts.requests; i++) {
    const kind = i % 2 === 1 ? 'existing' : 'unknown';
    await new Promise((ok) => setTimeout(ok, opts.pause));
    result.alone[kind].push(
      await forgot(instance, kind === 'existing' ? instance.email : unknownAddress()),
    );
    result.next[kind].push(await forgot(instance, unknownAddress()));
  }
  return result;
}

function comparison(label: string, unknown: number[], existing: number[]): string {
  const ratio = median(existing) / median(unknown);
  const figures = (times: number[]) =>
    `median ${median(times).toFixed(3)} ms, p90 ${percentile(times, 0.9).toFixed(3)}`;
  return `  ${label}: unknown address ${figures(unknown)}; the account's ${figures(existing)}; ratio ${ratio.toFixed(3)} (${signedPercent(ratio)})`;
}

/**
 * That the requests for the "sends" account sent reset mails and the "cooldown" account got one
 * only (each account also got its verification mail at registration): else the cases did not
 * measure what they are named after. With MAIL_COOLDOWN=0, two requests for one address whose
 * work (done after the answer) overlaps may leave one mail, with the link that stays valid: the
 * one whose link was issued later but written first makes the other look as if in cooldown. So
 * "sends" passes with nine in ten.
 */
async function mailCheck(
  sink: SmtpSink,
  sends: Instance,
  cooldown: Instance,
  requests: number,
): Promise<string> {
  const resets = (instance: Instance) => (sink.received.get(instance.email) ?? 0) - 1;
  const sent = await settledCount(() => resets(sends), requests);
  const cooledDown = await settledCount(() => resets(cooldown), 1, { quietMs: 1_000 });
  const ok = sent >= 0.9 * requests && sent <= requests && cooledDown === 1;
  return `${ok ? 'ok' : 'UNEXPECTED'}: the sink got ${sent} reset mails for the ${requests} requests for the "sends" account and ${cooledDown} for the "cooldown" one (expected 1)`;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
