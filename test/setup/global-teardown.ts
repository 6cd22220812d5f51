import { rmSync } from 'node:fs';

import { runDatabases } from './global-setup';

/**
 * Removes the folder that `global-setup.ts` made for this run, and this run's PostgreSQL databases
 * that are left: the workers' templates, and those of test apps that were never closed.
 */
export default async function globalTeardown(): Promise<void> {
  const runDir = process.env.WARDEN_TEST_RUN_DIR;
  if (runDir) {
    rmSync(runDir, { recursive: true, force: true });
  }
  const baseUrl = process.env.DATABASE_URL;
  const prefix = process.env.WARDEN_TEST_DATABASE_PREFIX;
  if (baseUrl && prefix) {
    try {
      const leftovers = (await runDatabases.list(baseUrl)).filter(({ name }) =>
        name.startsWith(`${prefix}_`),
      );
      await runDatabases.drop(
        baseUrl,
        leftovers.map(({ name }) => name),
      );
    } catch (error) {
      console.warn(`\nCould not drop this run's databases (${prefix}_…): ${String(error)}`);
    }
  }
}
