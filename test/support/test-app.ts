import { randomBytes, randomUUID } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { escapeIdentifier } from 'pg';
import type { DestinationStream } from 'pino';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { DataSource } from 'typeorm';

import { parseEnv, type AppConfig } from 'src/config/env.schema';
import { createApp } from 'src/create-app';
import { buildDataSourceOptions } from 'src/database/data-source-options';
import { runMigrationsExclusively } from 'src/database/run-migrations';

import { runDatabases } from 'test/setup/global-setup';

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  url: string;
  http: TestAgent;
  close(): Promise<void>;
}

/**
 * Limits high enough that a spec never trips them by accident; the rate-limit spec sets its own.
 */
const TEST_DEFAULTS = {
  NODE_ENV: 'test',
  LOG_LEVEL: 'silent',
  RATE_LIMIT_GLOBAL: '100000/60s',
  RATE_LIMIT_LOGIN: '100000/60s',
  RATE_LIMIT_REFRESH: '100000/60s',
  RATE_LIMIT_LOGIN_IP: '100000/60s',
  RATE_LIMIT_REGISTER_IP: '100000/60s',
  RATE_LIMIT_PASSWORD_CHECK: '100000/60s',
  RATE_LIMIT_MAIL: '100000/60s',
  RATE_LIMIT_LINK: '100000/60s',
};

/** The environment test applications run with: PostgreSQL when DATABASE_URL is set (CI). */
export function testEnv(env: Record<string, string> = {}): Record<string, string | undefined> {
  return {
    DATABASE_URL: process.env.DATABASE_URL,
    REDIS_URL: process.env.REDIS_URL,
    // Apps of different specs share the Redis of a CI run: their counters must not mix.
    REDIS_KEY_PREFIX: `test-${randomUUID()}:`,
    ...TEST_DEFAULTS,
    ...env,
  };
}

let workerTemplate: Promise<string> | undefined;

/**
 * An embedded database migrated by the real migrations, made by the first test app of each Jest
 * worker in the run's folder: PGlite's initdb takes seconds for every new database, a copy of this
 * one milliseconds.
 */
function migratedTemplate(runDir: string): Promise<string> {
  workerTemplate ??= (async () => {
    const template = join(runDir, `pglite-worker-${process.env.JEST_WORKER_ID ?? '1'}`);
    if (!existsSync(template)) {
      const dataDir = mkdtempSync(`${template}-`);
      const env = testEnv({ DATA_DIR: dataDir, DATABASE_URL: '' });
      const options = buildDataSourceOptions(parseEnv(env));
      const dataSource = await new DataSource(options).initialize();
      try {
        await runMigrationsExclusively(dataSource);
      } finally {
        await dataSource.destroy();
      }
      renameSync(join(dataDir, 'pglite'), template);
    }
    return template;
  })();
  return workerTemplate;
}

/**
 * Gives a DATA_DIR without an embedded database (in `pglite/`, where the app looks) a copy of the
 * migrated template; the app still runs its migrations at boot and finds none pending. A DATA_DIR
 * that a spec reuses across restarts keeps its database.
 */
async function seedEmbeddedDatabase(env: Record<string, string | undefined>): Promise<void> {
  const runDir = process.env.WARDEN_TEST_RUN_DIR;
  const database = join(env.DATA_DIR!, 'pglite');
  if (env.DATABASE_URL || !runDir || existsSync(database)) {
    return;
  }
  cpSync(await migratedTemplate(runDir), database, { recursive: true });
}

/** A PostgreSQL database of its own, migrated, beside the one DATABASE_URL names. */
export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** What DATABASE_URL names (CI), or undefined on the embedded database. */
function basePostgresUrl(): string | undefined {
  return process.env.DATABASE_URL || undefined;
}

/** Set by `global-setup.ts`; made here for a run without it (another Jest config). */
function runDatabasePrefix(baseUrl: string): string {
  process.env.WARDEN_TEST_DATABASE_PREFIX ??= runDatabases.prefixFor(baseUrl);
  return process.env.WARDEN_TEST_DATABASE_PREFIX;
}

let workerPostgresTemplate: Promise<string> | undefined;

/**
 * A database migrated by the real migrations, made once per Jest worker and run (it outlives the
 * spec file, like the embedded template), then copied for each test app: a copy (CREATE DATABASE
 * … TEMPLATE) takes a quarter of a second, migrating a second, more with each migration. It is
 * migrated under another name and renamed when done, so that a spec file that stopped halfway
 * leaves nothing that looks finished.
 */
function migratedPostgresTemplate(baseUrl: string): Promise<string> {
  workerPostgresTemplate ??= (async () => {
    const template = `${runDatabasePrefix(baseUrl)}_tpl${process.env.JEST_WORKER_ID ?? '1'}`;
    const { rowCount } = await runDatabases.onServer(baseUrl, (client) =>
      client.query('SELECT FROM pg_database WHERE datname = $1', [template]),
    );
    if (rowCount) {
      return template;
    }
    const inProgress = `${template}_new`;
    await runDatabases.drop(baseUrl, [inProgress]);
    await runDatabases.onServer(baseUrl, (client) =>
      client.query(`CREATE DATABASE ${escapeIdentifier(inProgress)}`),
    );
    const env = testEnv({ DATABASE_URL: runDatabases.urlOf(baseUrl, inProgress) });
    const dataSource = await new DataSource(buildDataSourceOptions(parseEnv(env))).initialize();
    try {
      await runMigrationsExclusively(dataSource);
    } finally {
      // A template must have no connection while it is copied.
      await dataSource.destroy();
    }
    await runDatabases.onServer(baseUrl, (client) =>
      client.query(
        `ALTER DATABASE ${escapeIdentifier(inProgress)} RENAME TO ${escapeIdentifier(template)}`,
      ),
    );
    return template;
  })();
  workerPostgresTemplate.catch(() => (workerPostgresTemplate = undefined));
  return workerPostgresTemplate;
}

/**
 * A fresh migrated database on the PostgreSQL that DATABASE_URL names, for a spec that manages one
 * database across several apps itself (restarts, the CLI); `startTestApp` makes its own.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const baseUrl = basePostgresUrl();
  if (!baseUrl) {
    throw new Error('createTestDatabase needs PostgreSQL: set DATABASE_URL');
  }
  const template = await migratedPostgresTemplate(baseUrl);
  const name = `${runDatabasePrefix(baseUrl)}_${randomBytes(4).toString('hex')}`;
  await runDatabases.onServer(baseUrl, (client) =>
    client.query(
      `CREATE DATABASE ${escapeIdentifier(name)} TEMPLATE ${escapeIdentifier(template)}`,
    ),
  );
  return { url: runDatabases.urlOf(baseUrl, name), drop: () => runDatabases.drop(baseUrl, [name]) };
}

/** The databases `startTestApp` made, by URL, with the apps still using each. */
const appDatabases = new Map<string, { database: TestDatabase; apps: number }>();

/**
 * The DATABASE_URL for a test app, and what to do once it is closed. On PostgreSQL an app gets a
 * database of its own, dropped when the last app using it closes, unless its spec passes
 * DATABASE_URL (used as given), or DATA_DIR: a spec that keeps a DATA_DIR across boots (restarts,
 * the CLI through `testEnv`) keeps the database that `testEnv` names, as on the embedded database.
 */
async function databaseFor(
  env: Record<string, string>,
): Promise<{ url?: string; release(): Promise<void> }> {
  const baseUrl = basePostgresUrl();
  const given = env.DATABASE_URL ?? (env.DATA_DIR === undefined ? undefined : baseUrl);
  const madeHere = given === undefined ? undefined : appDatabases.get(given);
  if (!madeHere && (given !== undefined || !baseUrl)) {
    return { url: given, release: async () => {} };
  }
  const entry = madeHere ?? { database: await createTestDatabase(), apps: 0 };
  appDatabases.set(entry.database.url, entry);
  entry.apps += 1;
  let released = false;
  return {
    url: entry.database.url,
    release: async () => {
      if (released) {
        return;
      }
      released = true;
      entry.apps -= 1;
      if (entry.apps === 0) {
        appDatabases.delete(entry.database.url);
        await entry.database.drop();
      }
    },
  };
}

/**
 * Boots Warden as `npm start` does, on a real port, with a fresh DATA_DIR: on PostgreSQL when
 * DATABASE_URL is set (CI), in a database of its own (see `databaseFor`), on a new embedded
 * database otherwise.
 */
export async function startTestApp(
  env: Record<string, string> = {},
  { logDestination }: { logDestination?: DestinationStream } = {},
): Promise<TestApp> {
  const database = await databaseFor(env);
  const dataDir = mkdtempSync(join(tmpdir(), 'warden-test-'));
  try {
    const appEnv = testEnv({ DATA_DIR: dataDir, ...env, DATABASE_URL: database.url ?? '' });
    await seedEmbeddedDatabase(appEnv);
    const { app, config } = await createApp({ env: appEnv, logDestination });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.getHttpServer().address() as AddressInfo;
    const url = `http://127.0.0.1:${port}`;
    return {
      app,
      config,
      url,
      http: request(url),
      close: async () => {
        await app.close();
        rmSync(dataDir, { recursive: true, force: true });
        await database.release();
      },
    };
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    await database.release();
    throw error;
  }
}

/**
 * A second instance of the deployment of `first` (PostgreSQL only: the embedded database serves
 * one app): on its database, with its signing keys and refresh secret (configured, or the
 * development ones in its DATA_DIR) and its Redis key prefix, so that each accepts the other's
 * tokens and hears its revocations. The database stays until both are closed, in either order.
 */
export async function startSecondInstance(
  first: TestApp,
  env: Record<string, string> = {},
  options: { logDestination?: DestinationStream } = {},
): Promise<TestApp> {
  const databaseUrl = first.config.database.url;
  if (!databaseUrl) {
    throw new Error('A second instance on the same database needs PostgreSQL: set DATABASE_URL');
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'warden-test-'));
  const firstKeys = join(first.config.dataDir, 'keys');
  if (existsSync(firstKeys)) {
    cpSync(firstKeys, join(dataDir, 'keys'), { recursive: true });
  }
  const { signingKeys, refreshTokenSecret } = first.config.tokens;
  try {
    const second = await startTestApp(
      {
        ...(signingKeys.length > 0 && {
          JWT_SIGNING_KEYS: signingKeys
            .map((key) => key.export({ format: 'pem', type: 'pkcs8' }).toString())
            .join(''),
        }),
        ...(refreshTokenSecret && {
          REFRESH_TOKEN_SECRET: refreshTokenSecret.export().toString('utf8'),
        }),
        ...(first.config.redis && { REDIS_KEY_PREFIX: first.config.redis.keyPrefix }),
        ...env,
        DATA_DIR: dataDir,
        DATABASE_URL: databaseUrl,
      },
      options,
    );
    return {
      ...second,
      close: async () => {
        await second.close();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}
