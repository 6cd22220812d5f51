import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Runs once before the specs, and starts no service and creates no database: the specs use the
 * PostgreSQL and Redis that DATABASE_URL and REDIS_URL name (`.ci/run` sets both), the embedded
 * database otherwise. It only makes the folder where `startTestApp` keeps the migrated embedded
 * database that each Jest worker makes once and each test app copies.
 *
 * Nothing here may load application code: in a run in band the specs run in this process, and Jest
 * lends them what it finds on `globalThis` (TypeORM's metadata storage, for one), so that every
 * spec file would add to the same one and none could be freed.
 */
export default function globalSetup(): void {
  process.env.WARDEN_TEST_RUN_DIR = mkdtempSync(join(tmpdir(), 'warden-test-run-'));
  const missing = ['DATABASE_URL', 'REDIS_URL'].filter((name) => !process.env[name]);
  if (missing.length > 0) {
    console.warn(
      `\n${missing.join(' and ')} not set: the specs that need PostgreSQL and Redis are skipped. To run them, create a database and run DATABASE_URL=postgres://…/<database> REDIS_URL=redis://… npm test (as .ci/run does).`,
    );
  }
}
