import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Client, escapeIdentifier } from 'pg';

/**
 * Runs once before the specs, and starts no service: the specs use the PostgreSQL and Redis that
 * DATABASE_URL and REDIS_URL name (`.ci/run` sets both), the embedded database otherwise. It makes
 * the folder where `startTestApp` keeps the migrated embedded database that each Jest worker makes
 * once and each test app copies, and names this run's PostgreSQL databases (see `runDatabases`).
 *
 * Nothing here may load application code: in a run in band the specs run in this process, and Jest
 * lends them what it finds on `globalThis` (TypeORM's metadata storage, for one), so that every
 * spec file would add to the same one and none could be freed.
 */
export default async function globalSetup(): Promise<void> {
  process.env.WARDEN_TEST_RUN_DIR = mkdtempSync(join(tmpdir(), 'warden-test-run-'));
  const missing = ['DATABASE_URL', 'REDIS_URL'].filter((name) => !process.env[name]);
  if (missing.length > 0) {
    console.warn(
      `\n${missing.join(' and ')} not set: the specs that need PostgreSQL and Redis are skipped. To run them, create a database and run DATABASE_URL=postgres://…/<database> REDIS_URL=redis://… npm test (as .ci/run does).`,
    );
  }
  const baseUrl = process.env.DATABASE_URL;
  if (baseUrl) {
    process.env.WARDEN_TEST_DATABASE_PREFIX = runDatabases.prefixFor(baseUrl);
    await dropDatabasesOfAbandonedRuns(baseUrl);
  }
}

/** A run that began this long ago has ended, or was interrupted before its teardown. */
const ABANDONED_AFTER_MS = 24 * 3_600_000;

/**
 * The databases that test apps get on PostgreSQL, made inside the database server that DATABASE_URL
 * names, beside its database (the base), which is never dropped: `<base>_t<start><random>_<name>`,
 * where `<start>` is when the run began (seconds, base 36), so that concurrent runs keep apart and
 * a later run can tell an abandoned run's leftovers.
 */
export const runDatabases = {
  prefixFor(baseUrl: string, startedAt = Date.now()): string {
    const start = Math.floor(startedAt / 1000)
      .toString(36)
      .padStart(7, '0');
    const prefix = `${baseDatabaseOf(baseUrl)}_t${start}${randomBytes(2).toString('hex')}`;
    // Room for `_tpl<worker>_new` or `_<8 hex>` within PostgreSQL's 63 bytes.
    if (Buffer.byteLength(prefix) > 63 - 12) {
      throw new Error(
        `The database name in DATABASE_URL is too long for the specs' databases (<name>_…): at most ${63 - 12 - 13} bytes`,
      );
    }
    return prefix;
  },

  /** When the run that made `name` began, or undefined for a database that is not a run's. */
  startOf(baseUrl: string, name: string): number | undefined {
    const base = baseDatabaseOf(baseUrl).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const match = new RegExp(`^${base}_t([0-9a-z]{7})[0-9a-f]{4}_[0-9a-z_]+$`).exec(name);
    return match ? parseInt(match[1], 36) * 1000 : undefined;
  },

  /** DATABASE_URL with another database. */
  urlOf(baseUrl: string, name: string): string {
    const url = new URL(baseUrl);
    url.pathname = `/${encodeURIComponent(name)}`;
    return url.toString();
  },

  /** Runs `work` on a connection to the base database, for CREATE and DROP DATABASE. */
  async onServer<T>(baseUrl: string, work: (client: Client) => Promise<T>): Promise<T> {
    const client = new Client({ connectionString: baseUrl, application_name: 'warden-specs' });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  },

  async list(baseUrl: string): Promise<{ name: string; startedAt: number }[]> {
    const { rows } = await runDatabases.onServer(baseUrl, (client) =>
      client.query<{ datname: string }>('SELECT datname FROM pg_database'),
    );
    return rows.flatMap(({ datname: name }) => {
      const startedAt = runDatabases.startOf(baseUrl, name);
      return startedAt === undefined ? [] : [{ name, startedAt }];
    });
  },

  /** Drops the databases, ending the connections still open to them. */
  async drop(baseUrl: string, names: string[]): Promise<void> {
    await runDatabases.onServer(baseUrl, async (client) => {
      for (const name of names) {
        await client.query(`DROP DATABASE IF EXISTS ${escapeIdentifier(name)} WITH (FORCE)`);
      }
    });
  },
};

function baseDatabaseOf(baseUrl: string): string {
  const name = decodeURIComponent(new URL(baseUrl).pathname.slice(1));
  if (!name) {
    throw new Error('DATABASE_URL names no database (postgres://user@host:5432/<database>)');
  }
  return name;
}

/** Cleans up after runs that were interrupted (Ctrl-C skips the teardown), never a live one. */
async function dropDatabasesOfAbandonedRuns(baseUrl: string): Promise<void> {
  try {
    const abandoned = (await runDatabases.list(baseUrl)).filter(
      ({ startedAt }) => startedAt < Date.now() - ABANDONED_AFTER_MS,
    );
    await runDatabases.drop(
      baseUrl,
      abandoned.map(({ name }) => name),
    );
  } catch (error) {
    // The specs that need PostgreSQL will say why it cannot be reached.
    console.warn(`\nCould not drop the databases of earlier test runs: ${String(error)}`);
  }
}
