/// <reference lib="dom" />
// The functions given to page.evaluate run in Chromium, on its DOM.
import type { Browser, BrowserContext, ConsoleMessage, Page, Route } from 'playwright-core';

import { describeWithBrowser, launchBrowser } from 'test/support/browser';
import { PASSWORD, login, registerUser } from 'test/support/factories';
import { SmtpSink, linkIn, tokenIn } from 'test/support/smtp-sink';
import { startTestApp, type TestApp } from 'test/support/test-app';

const INVALID_LINK = 'This link is invalid, has been used, or has expired.';
const PASSWORD_CHANGED =
  'Your password has been changed, and every session has been signed out. You can now sign in with your new password.';
const NEW_PASSWORD = 'a brand new passphrase';
/** The outbox worker delivers within a second or two; a loaded CI machine may take longer. */
const MAIL_WAIT = { timeoutMs: 15_000 };

/** A page in a fresh browser context, with what went wrong in it: script errors, CSP refusals. */
interface OpenedPage {
  page: Page;
  problems: string[];
  /** The API requests the page made: `POST /auth/password/reset`, … */
  apiRequests: string[];
}

describeWithBrowser('account pages (Chromium)', () => {
  let t: TestApp;
  let sink: SmtpSink;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const opened: OpenedPage[] = [];

  // A migrated database and a browser: more than the default 30 s on a busy machine.
  beforeAll(async () => {
    sink = await SmtpSink.start();
    [t, browser] = await Promise.all([startTestApp({ MAIL_URL: sink.url }), launchBrowser()]);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await sink?.close();
  });

  afterEach(async () => {
    const problems = opened.flatMap(({ problems }) => problems);
    opened.length = 0;
    await Promise.all(contexts.splice(0).map((context) => context.close()));
    // Every page loads its script and stylesheet under the real CSP, with no error in its console.
    expect(problems).toEqual([]);
  });

  /** An API answer the page expects (a refused link) is logged by Chromium; nothing else may be. */
  function isExpectedApiRefusal(message: ConsoleMessage): boolean {
    return (
      /^Failed to load resource: the server responded with a status of 4\d\d/.test(
        message.text(),
      ) && new URL(message.location().url).pathname.startsWith('/auth/')
    );
  }

  async function open(pathAndQuery: string): Promise<OpenedPage> {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    const result: OpenedPage = { page, problems: [], apiRequests: [] };
    opened.push(result);
    page.on('console', (message) => {
      if (['error', 'warning'].includes(message.type()) && !isExpectedApiRefusal(message)) {
        result.problems.push(`console ${message.type()}: ${message.text()}`);
      }
    });
    page.on('pageerror', (error) => result.problems.push(`page error: ${error.message}`));
    page.on('requestfailed', (request) =>
      result.problems.push(`request failed: ${request.url()} ${request.failure()?.errorText}`),
    );
    page.on('request', (request) => {
      const { pathname } = new URL(request.url());
      if (pathname.startsWith('/auth/')) {
        result.apiRequests.push(`${request.method()} ${pathname}`);
      }
    });
    page.on('response', (response) => {
      if (response.url().includes('/account/') && response.status() >= 400) {
        result.problems.push(`${response.status()} for ${response.url()}`);
      }
    });
    await page.goto(`${t.url}${pathAndQuery}`);
    return result;
  }

  /** The page's own address for a link from a mail: the mails point at PUBLIC_URL, not this app. */
  function pageFor(link: string): string {
    const url = new URL(link);
    return `${url.pathname}${url.search}`;
  }

  async function verificationLinkFor(email: string): Promise<string> {
    const mail = await sink.waitForMail({ to: email, subject: /^Verify your email/ }, MAIL_WAIT);
    const link = linkIn(mail);
    expect(new URL(link).pathname).toBe('/account/verify-email');
    expect(tokenIn(mail)).toMatch(/^[\w-]{43}$/);
    return link;
  }

  async function resetLinkFor(email: string): Promise<string> {
    await t.http.post('/auth/password/forgot').send({ email }).expect(202);
    const mail = await sink.waitForMail({ to: email, subject: /^Reset your password/ }, MAIL_WAIT);
    const link = linkIn(mail);
    expect(new URL(link).pathname).toBe('/account/reset-password');
    return link;
  }

  /** Waits for the outcome that the page's title names, or fails with what the page shows. */
  async function waitForTitle(page: Page, title: string): Promise<void> {
    try {
      await page.waitForFunction((expected) => document.title === expected, title, {
        timeout: 10_000,
      });
    } catch {
      throw new Error(
        `The page never reached "${title}"; it shows: ${await page.locator('main').innerText()}`,
      );
    }
  }

  const focusedId = (page: Page) => page.evaluate(() => document.activeElement?.id ?? null);

  describe('/account/verify-email', () => {
    it('should verify the address with the link from the verification mail', async () => {
      const user = await registerUser(t.http);
      const link = await verificationLinkFor(user.email);

      const { page, apiRequests } = await open(pageFor(link));

      const status = page.locator('#status');
      await waitForTitle(page, 'Email address verified');
      await expect(status.innerText()).resolves.toBe(
        `Your email address ${user.email} is verified.`,
      );
      await expect(focusedId(page)).resolves.toBe('status');
      expect(page.url()).toBe(`${t.url}/account/verify-email`);
      expect(apiRequests).toEqual(['POST /auth/email/verify']);
      const me = await t.http
        .get('/users/me')
        .set('Authorization', `Bearer ${user.accessToken}`)
        .expect(200);
      expect(me.body).toMatchObject({ email: user.email, emailVerified: true });
    });

    it('should say that a used link is invalid, and take the focus to the message', async () => {
      const user = await registerUser(t.http);
      const link = await verificationLinkFor(user.email);
      await t.http
        .post('/auth/email/verify')
        .send({ token: new URL(link).searchParams.get('token') })
        .expect(200);

      const { page } = await open(pageFor(link));

      await waitForTitle(page, 'Email address not verified');
      await expect(page.locator('#alert').innerText()).resolves.toContain(INVALID_LINK);
      await expect(focusedId(page)).resolves.toBe('alert');
      await expect(page.locator('#status').innerText()).resolves.toBe('');
    });

    it('should say that a garbage link is invalid', async () => {
      const { page } = await open('/account/verify-email?token=not-a-real-token');

      await waitForTitle(page, 'Email address not verified');
      await expect(page.locator('#alert').innerText()).resolves.toContain(INVALID_LINK);
      expect(page.url()).toBe(`${t.url}/account/verify-email`);
    });

    it('should explain what to do when the address has no token', async () => {
      const { page, apiRequests } = await open('/account/verify-email');

      await expect(page.locator('#alert').innerText()).resolves.toContain(
        'Open the link in the email you received.',
      );
      expect(apiRequests).toEqual([]);
    });
  });

  describe('/account/reset-password', () => {
    it('should set the new password with the link from the reset mail, keyboard only', async () => {
      const user = await registerUser(t.http);
      const link = await resetLinkFor(user.email);

      const { page, apiRequests } = await open(pageFor(link));
      expect(page.url()).toBe(`${t.url}/account/reset-password`);
      const newPassword = page.locator('#new-password');
      const confirmation = page.locator('#confirm-password');
      /** Replaces the focused field's text, as a keyboard user would. */
      const retype = async (text: string) => {
        await page.keyboard.press('ControlOrMeta+A');
        await page.keyboard.type(text);
      };

      // Too short: refused at the field, announced, and the field has the focus.
      await page.keyboard.press('Tab');
      await expect(focusedId(page)).resolves.toBe('new-password');
      await page.keyboard.type('short');
      await page.keyboard.press('Tab');
      await page.keyboard.type('short');
      await page.keyboard.press('Enter');
      await expect(focusedId(page)).resolves.toBe('new-password');
      await expect(newPassword.getAttribute('aria-invalid')).resolves.toBe('true');
      await expect(newPassword.getAttribute('aria-describedby')).resolves.toBe(
        'new-password-hint new-password-error',
      );
      await expect(page.locator('#new-password-error').innerText()).resolves.toContain('too short');
      await expect(page.locator('#alert').innerText()).resolves.toContain('too short');
      expect(apiRequests).toEqual([]);

      // Two different passwords: refused at the confirmation.
      await retype(NEW_PASSWORD);
      await page.keyboard.press('Tab');
      await retype(`${NEW_PASSWORD}!`);
      await page.keyboard.press('Enter');
      await expect(focusedId(page)).resolves.toBe('confirm-password');
      await expect(confirmation.getAttribute('aria-invalid')).resolves.toBe('true');
      await expect(confirmation.getAttribute('aria-describedby')).resolves.toBe(
        'confirm-password-error',
      );
      await expect(newPassword.getAttribute('aria-invalid')).resolves.toBeNull();
      await expect(page.locator('#confirm-password-error').innerText()).resolves.toContain(
        'do not match',
      );
      expect(apiRequests).toEqual([]);

      // A password the server refuses, one of the most common: its error is shown at the field.
      await page.keyboard.press('Shift+Tab');
      await retype('password123');
      await page.keyboard.press('Tab');
      await retype('password123');
      await page.keyboard.press('Enter');
      await page.waitForFunction(
        () => document.getElementById('new-password')?.getAttribute('aria-invalid') === 'true',
        undefined,
        { timeout: 10_000 },
      );
      await expect(page.locator('#new-password-error').innerText()).resolves.toContain(
        'most commonly used',
      );
      await expect(focusedId(page)).resolves.toBe('new-password');
      await expect(confirmation.getAttribute('aria-invalid')).resolves.toBeNull();
      expect(apiRequests).toEqual(['POST /auth/password/reset']);

      // A good one, typed twice.
      await retype(NEW_PASSWORD);
      await page.keyboard.press('Tab');
      await retype(NEW_PASSWORD);
      await page.keyboard.press('Enter');

      await waitForTitle(page, 'Password changed');
      await expect(page.locator('#status').innerText()).resolves.toBe(PASSWORD_CHANGED);
      await expect(focusedId(page)).resolves.toBe('status');
      await expect(page.locator('form').count()).resolves.toBe(0);
      expect(apiRequests).toEqual(['POST /auth/password/reset', 'POST /auth/password/reset']);

      await t.http.post('/auth/login').send({ email: user.email, password: PASSWORD }).expect(401);
      await login(t.http, user.email, NEW_PASSWORD);
      await t.http.get('/users/me').set('Authorization', `Bearer ${user.accessToken}`).expect(401);
    });

    it('should send one request however often the form is submitted while it runs', async () => {
      const user = await registerUser(t.http);
      const link = await resetLinkFor(user.email);
      const { page, apiRequests } = await open(pageFor(link));
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      await page.route('**/auth/password/reset', async (route: Route) => {
        await held;
        await route.continue();
      });

      await page.locator('#new-password').fill(NEW_PASSWORD);
      await page.locator('#confirm-password').fill(NEW_PASSWORD);
      await page.locator('#submit').click();
      await expect(page.locator('#submit').getAttribute('aria-disabled')).resolves.toBe('true');
      // Forced: Playwright itself holds back from a button that says it is disabled.
      await page.locator('#submit').click({ force: true });
      await page.locator('#confirm-password').press('Enter');
      release();

      await waitForTitle(page, 'Password changed');
      expect(apiRequests).toEqual(['POST /auth/password/reset']);
    });

    it('should say that a used link is invalid, and hide the form', async () => {
      const user = await registerUser(t.http);
      const link = await resetLinkFor(user.email);
      await t.http
        .post('/auth/password/reset')
        .send({ token: new URL(link).searchParams.get('token'), newPassword: NEW_PASSWORD })
        .expect(204);

      const { page } = await open(pageFor(link));
      await page.locator('#new-password').fill('another good passphrase');
      await page.locator('#confirm-password').fill('another good passphrase');
      await page.locator('#submit').click();

      await waitForTitle(page, 'Password not changed');
      await expect(page.locator('#alert').innerText()).resolves.toContain(INVALID_LINK);
      await expect(focusedId(page)).resolves.toBe('alert');
      await expect(page.locator('#reset-form').isHidden()).resolves.toBe(true);
      await login(t.http, user.email, NEW_PASSWORD);
    });

    it('should say that a garbage link is invalid', async () => {
      const { page } = await open('/account/reset-password?token=not-a-real-token');

      await page.locator('#new-password').fill(NEW_PASSWORD);
      await page.locator('#confirm-password').fill(NEW_PASSWORD);
      await page.locator('#submit').click();

      await waitForTitle(page, 'Password not changed');
      await expect(page.locator('#alert').innerText()).resolves.toContain(INVALID_LINK);
      await expect(page.locator('#reset-form').isHidden()).resolves.toBe(true);
    });

    it('should explain what to do when the address has no token, without a form', async () => {
      const { page, apiRequests } = await open('/account/reset-password');

      await expect(page.locator('#alert').innerText()).resolves.toContain(
        'Open the link in the email you received.',
      );
      await expect(page.locator('#reset-form').isHidden()).resolves.toBe(true);
      expect(apiRequests).toEqual([]);
    });
  });

  describe.each(['/account/verify-email', '/account/reset-password'])('%s', (path) => {
    it('should pass a basic accessibility check', async () => {
      // A made-up token: the reset form shows (it is only sent on submit); verification fails.
      const { page } = await open(`${path}?token=${'x'.repeat(43)}`);
      await page.waitForLoadState('networkidle');

      const report = await page.evaluate(() => ({
        lang: document.documentElement.lang,
        title: document.title,
        mains: document.querySelectorAll('main').length,
        h1s: [...document.querySelectorAll('main h1')].map((h1) => h1.textContent?.trim()),
        alerts: document.querySelectorAll('main [role="alert"]').length,
        statuses: document.querySelectorAll('main [role="status"]').length,
        unlabelled: [...document.querySelectorAll('input, select, textarea')]
          .filter((input) => (input as HTMLInputElement).labels?.length === 0)
          .map((input) => input.outerHTML),
        danglingDescriptions: [...document.querySelectorAll('[aria-describedby]')]
          .flatMap((element) => element.getAttribute('aria-describedby')!.split(/\s+/))
          .filter((id) => !document.getElementById(id)),
        inlineScripts: document.querySelectorAll('script:not([src])').length,
        inlineHandlers: [...document.querySelectorAll('*')].filter((element) =>
          [...element.attributes].some((attribute) => attribute.name.startsWith('on')),
        ).length,
      }));

      expect(report).toEqual({
        lang: 'en',
        title: expect.any(String) as unknown,
        mains: 1,
        h1s: [expect.any(String) as unknown],
        alerts: 1,
        statuses: 1,
        unlabelled: [],
        danglingDescriptions: [],
        inlineScripts: 0,
        inlineHandlers: 0,
      });
    });

    it('should be served as HTML that loads only its own script and stylesheet', async () => {
      const response = await t.http.get(path).expect(200);
      expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(response.headers['content-security-policy']).toContain("script-src 'self'");
      expect(response.headers['cache-control']).toBe('no-store');

      const script = await t.http.get('/account/assets/account.js').expect(200);
      expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
      const stylesheet = await t.http.get('/account/assets/account.css').expect(200);
      expect(stylesheet.headers['content-type']).toBe('text/css; charset=utf-8');
      await t.http
        .get('/account/assets/account.js')
        .set('If-None-Match', script.headers.etag)
        .expect(304);
      await t.http.get('/account/assets/account-pages.controller.ts').expect(404);
      await t.http.get('/account/assets/..%2Faccount-pages.controller.ts').expect(404);
    });
  });
});
