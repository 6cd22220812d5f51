import { rmSync } from 'node:fs';

/** Removes the folder that `global-setup.ts` made for this run. */
export default function globalTeardown(): void {
  const runDir = process.env.WARDEN_TEST_RUN_DIR;
  if (runDir) {
    rmSync(runDir, { recursive: true, force: true });
  }
}
