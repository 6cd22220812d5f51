import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { DestinationStream } from 'pino';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';

import type { AppConfig } from 'src/config/env.schema';
import { createApp } from 'src/create-app';

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

/**
 * Boots Warden as `npm start` does, on a real port, with a fresh DATA_DIR: PostgreSQL when
 * DATABASE_URL is set (CI), a new embedded database otherwise.
 */
export async function startTestApp(
  env: Record<string, string> = {},
  { logDestination }: { logDestination?: DestinationStream } = {},
): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'warden-test-'));
  const { app, config } = await createApp({
    env: testEnv({ DATA_DIR: dataDir, ...env }),
    logDestination,
  });
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
