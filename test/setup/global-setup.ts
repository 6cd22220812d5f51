import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';

import { Client } from 'pg';

/**
 * Finds the PostgreSQL and Redis that the scale-out and fault specs need, starting the local ones
 * if they are installed but down, and tells the specs through WARDEN_TEST_POSTGRES_URL and
 * WARDEN_TEST_REDIS_URL. Where there are none (a fresh machine), those specs are skipped.
 */

const LOCAL_POSTGRES = 'postgres://postgres@127.0.0.1:5432';
const LOCAL_REDIS = 'redis://127.0.0.1:6379';
const TEST_DATABASE = 'warden_jest';

function reachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port), timeout: 1_000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

async function waitUntilReachable(url: string): Promise<boolean> {
  for (let attempt = 0; attempt < 30; attempt++) {
    if (await reachable(url)) {
      return true;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return false;
}

function tryStart(command: string, args: string[]): void {
  try {
    execFileSync(command, args, { stdio: 'ignore', timeout: 30_000 });
  } catch {
    // Not installed, or not allowed: the specs that need it are skipped.
  }
}

async function localPostgres(): Promise<string | undefined> {
  if (!(await reachable(LOCAL_POSTGRES)) && existsSync('/etc/postgresql')) {
    const [version] = readdirSync('/etc/postgresql');
    tryStart('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start']);
  }
  if (!(await waitUntilReachable(LOCAL_POSTGRES))) {
    return undefined;
  }
  const client = new Client({ connectionString: `${LOCAL_POSTGRES}/postgres` });
  try {
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS ${TEST_DATABASE}`);
    await client.query(`CREATE DATABASE ${TEST_DATABASE}`);
    return `${LOCAL_POSTGRES}/${TEST_DATABASE}`;
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function localRedis(): Promise<string | undefined> {
  if (!(await reachable(LOCAL_REDIS))) {
    tryStart('redis-server', [
      '--daemonize',
      'yes',
      '--bind',
      '127.0.0.1',
      '--port',
      '6379',
      '--save',
      '',
      '--appendonly',
      'no',
    ]);
  }
  return (await waitUntilReachable(LOCAL_REDIS)) ? LOCAL_REDIS : undefined;
}

export default async function globalSetup(): Promise<void> {
  const postgres = process.env.DATABASE_URL || (await localPostgres());
  const redis = process.env.REDIS_URL || (await localRedis());
  if (postgres) {
    process.env.WARDEN_TEST_POSTGRES_URL = postgres;
  }
  if (redis) {
    process.env.WARDEN_TEST_REDIS_URL = redis;
  }
  if (!postgres || !redis) {
    console.warn('\nNo PostgreSQL or Redis here: the scale-out and fault specs are skipped.');
  }
}
