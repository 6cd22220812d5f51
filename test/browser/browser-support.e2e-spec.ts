import type { Browser } from 'playwright-core';

import { describeWithBrowser, launchBrowser } from 'test/support/browser';
import { startTestApp, type TestApp } from 'test/support/test-app';

describeWithBrowser('browser support (Chromium)', () => {
  let t: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchBrowser();
    t = await startTestApp();
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('should render Swagger UI at /docs under the real security headers, without a script error', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') {
        problems.push(`console error: ${message.text()}`);
      }
    });

    const response = await page.goto(`${t.url}/docs`);
    await page.locator('.swagger-ui .info .title').waitFor({ timeout: 10_000 });

    expect(response?.status()).toBe(200);
    expect(await page.locator('.swagger-ui .info .title').innerText()).toMatch(/^Warden/);
    expect(await page.locator('.opblock').count()).toBeGreaterThan(10);
    expect(problems).toEqual([]);
  });
});
