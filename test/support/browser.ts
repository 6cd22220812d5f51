import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { chromium, type Browser, type LaunchOptions } from 'playwright-core';

/** Where Debian's and Ubuntu's packages put Chromium; CHROMIUM_PATH comes first. */
const CHROMIUM_LOCATIONS = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/** The Chromium the browser specs drive: CHROMIUM_PATH when set, else the first one installed. */
export function findChromium(): string | undefined {
  const candidates = process.env.CHROMIUM_PATH ? [process.env.CHROMIUM_PATH] : CHROMIUM_LOCATIONS;
  return candidates.find((candidate) => existsSync(candidate));
}

function whyNoChromium(): string {
  return process.env.CHROMIUM_PATH
    ? `CHROMIUM_PATH=${process.env.CHROMIUM_PATH} does not exist`
    : `No Chromium at ${CHROMIUM_LOCATIONS.join(' or ')}`;
}

/** Once per run, not per spec file: the first to tell leaves a mark in the run's folder. */
function tellBrowserSpecsSkipped(): void {
  const runDir = process.env.WARDEN_TEST_RUN_DIR;
  try {
    if (runDir) {
      writeFileSync(join(runDir, 'told-browser-specs-skipped'), '', { flag: 'wx' });
    }
  } catch {
    return;
  }
  // Not console.warn: Jest shows no console output of a spec file whose tests were all skipped.
  process.stderr.write(
    `\n${whyNoChromium()}: the browser specs (test/browser) are skipped. To run them, install Chromium (apt-get install chromium) or set CHROMIUM_PATH to a Chromium or Chrome binary.\n`,
  );
}

/** Every launch of this spec file, so that none outlives it (a timed-out beforeAll, a failure). */
const launches = new Set<Promise<Browser>>();

async function closeLaunchedBrowsers(): Promise<void> {
  const pending = [...launches];
  launches.clear();
  for (const launch of pending) {
    const browser = await launch.catch(() => undefined);
    if (browser?.isConnected()) {
      await browser.close();
    }
  }
}

/**
 * `describe` where a Chromium is found, `describe.skip` (saying so, once) where none is. After the
 * block, it closes every browser `launchBrowser` started that is still open.
 */
export function describeWithBrowser(name: string, specs: () => void): void {
  // CI sets WARDEN_REQUIRE_BROWSER=1: there a missing Chromium fails these specs instead.
  if (findChromium() || process.env.WARDEN_REQUIRE_BROWSER === '1') {
    describe(name, () => {
      specs();
      afterAll(closeLaunchedBrowsers);
    });
  } else {
    tellBrowserSpecsSkipped();
    describe.skip(name, specs);
  }
}

/** Headless Chromium through playwright-core, with the flags a container or CI machine needs. */
export function launchBrowser(options: LaunchOptions = {}): Promise<Browser> {
  const executablePath = findChromium();
  if (!executablePath) {
    throw new Error(`Cannot launch Chromium: ${whyNoChromium()}`);
  }
  const launch = chromium.launch({
    executablePath,
    headless: true,
    ...options,
    // No sandbox as root or in a container, no GPU, and no /dev/shm (small in Docker).
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', ...(options.args ?? [])],
  });
  launches.add(launch);
  return launch;
}
