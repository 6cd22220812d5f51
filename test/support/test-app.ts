import { randomUUID } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { DestinationStream } from 'pino';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { DataSource } from 'typeorm';

import { parseEnv, type AppConfig } from 'src/config/env.schema';
import { createApp } from 'src/create-app';
import { buildDataSourceOptions } from 'src/database/data-source-options';
import { runMigrationsExclusively } from 'src/database/run-migrations';

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

/**
 * Boots Warden as `npm start` does, on a real port, with a fresh DATA_DIR: PostgreSQL when
 * DATABASE_URL is set (CI), a new embedded database otherwise.
 */
export async function startTestApp(
  env: Record<string, string> = {},
  { logDestination }: { logDestination?: DestinationStream } = {},
): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'warden-test-'));
  const appEnv = testEnv({ DATA_DIR: dataDir, ...env });
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
    },
  };
}
