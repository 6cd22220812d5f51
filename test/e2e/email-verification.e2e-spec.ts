import { randomBytes } from 'node:crypto';

import type { Response } from 'supertest';

import { setClockAhead } from 'test/support/clock';
import {
  login,
  PASSWORD,
  refreshWithBody,
  registerUser,
  uniqueEmail,
  type TokenResponse,
} from 'test/support/factories';
import { claimsOf } from 'test/support/jwt';
import {
  linkIn,
  SmtpSink,
  tokenIn,
  type ReceivedMail,
  mailsTo,
  urlsIn,
  mailEnv,
} from 'test/support/smtp-sink';
import { startTestApp, type TestApp } from 'test/support/test-app';

const VERIFY_SUBJECT = /verify/i;
const RESET_SUBJECT = /reset your password/i;
const CHANGED_SUBJECT = /password was changed/i;
const MAIL_TIMEOUT = { timeoutMs: 30_000 };
const INVALID_LINK_TOKEN = {
  type: 'about:blank',
  title: 'Bad Request',
  status: 400,
  code: 'invalid_link_token',
};

// Booting an app, argon2 and the mail worker share the machine with other spec files: generous bounds.
jest.setTimeout(120_000);

describe('email verification', () => {
  let sink: SmtpSink;
  let t: TestApp;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    t = await startTestApp(mailEnv(sink));
  });

  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  function verify(body: unknown) {
    return t.http.post('/auth/email/verify').send(body as object);
  }

  function resend(accessToken: string) {
    return t.http.post('/auth/email/verification').auth(accessToken, { type: 'bearer' });
  }

  function me(accessToken: string) {
    return t.http.get('/users/me').auth(accessToken, { type: 'bearer' });
  }

  function verificationMail(email: string): Promise<ReceivedMail> {
    return sink.waitForMail({ to: email, subject: VERIFY_SUBJECT }, MAIL_TIMEOUT);
  }

  /**
   * A mail that must come after everything the user's earlier requests queued: the outbox sends in
   * order, so once it is here, any earlier mail is too.
   */
  async function markerMail(user: { accessToken: string; email: string }): Promise<void> {
    await t.http
      .post('/users/me/password')
      .auth(user.accessToken, { type: 'bearer' })
      .send({ currentPassword: PASSWORD, newPassword: 'a marker passphrase, changed' })
      .expect(204);
    await sink.waitForMail({ to: user.email, subject: CHANGED_SUBJECT }, MAIL_TIMEOUT);
  }

  describe('at registration', () => {
    it('should send exactly one mail, with a text and an HTML part and one verify-email link', async () => {
      const user = await registerUser(t.http);

      const mail = await verificationMail(user.email);
      await markerMail(user);

      expect(mailsTo(sink, user.email, VERIFY_SUBJECT)).toHaveLength(1);
      expect(mail.envelope.to).toEqual([user.email]);
      expect(mail.text.trim()).not.toBe('');
      expect(mail.html.trim()).not.toBe('');
      const link = linkIn(mail);
      const token = tokenIn(mail);
      expect(link).toBe(
        `http://localhost:${t.config.port}/account/verify-email?token=${encodeURIComponent(token)}`,
      );
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(mail.html).toContain(token);
      expect(urlsIn(mail)).toEqual([link]);
    });

    it('should give the user an unverified address until the link is used', async () => {
      const user = await registerUser(t.http);
      await verificationMail(user.email);

      expect(user.user).toMatchObject({ emailVerified: false });
      expect(claimsOf(user.accessToken)).toMatchObject({ email_verified: false });
      await me(user.accessToken).expect(200, /"emailVerified":false/);
    });
  });

  describe('POST /auth/email/verify', () => {
    it('should verify the address once, for /users/me and for the next access token', async () => {
      const user = await registerUser(t.http);
      const token = tokenIn(await verificationMail(user.email));

      const verified = await verify({ token }).expect(200);

      expect(verified.body).toEqual({ email: user.email, emailVerified: true });
      const profile = await me(user.accessToken).expect(200);
      expect(profile.body).toMatchObject({ email: user.email, emailVerified: true });
      const refreshed = await refreshWithBody(t.http, user.refreshToken).expect(200);
      expect(claimsOf((refreshed.body as TokenResponse).accessToken)).toMatchObject({
        email_verified: true,
      });
      const again = await verify({ token }).expect(400);
      expect(again.body).toMatchObject(INVALID_LINK_TOKEN);
    });

    it('should put the address verified in the tokens of a new login, and record email_verified', async () => {
      const user = await registerUser(t.http);
      await verify({ token: tokenIn(await verificationMail(user.email)) }).expect(200);

      const session = await login(t.http, user.email);

      expect(claimsOf(session.accessToken)).toMatchObject({ email_verified: true });
      const events = await t.http
        .get('/users/me/events')
        .auth(session.accessToken, { type: 'bearer' })
        .expect(200);
      expect((events.body as { type: string }[]).map(({ type }) => type)).toContain(
        'email_verified',
      );
    });

    it('should let only one of two concurrent uses of a link succeed', async () => {
      const user = await registerUser(t.http);
      const token = tokenIn(await verificationMail(user.email));

      const answers = await Promise.all([verify({ token }), verify({ token }), verify({ token })]);

      expect(answers.map(({ status }) => status).sort()).toEqual([200, 400, 400]);
    });
  });

  describe('POST /auth/email/verification', () => {
    it('should answer 202 and send a new link that replaces the previous one', async () => {
      const user = await registerUser(t.http);
      const first = tokenIn(await verificationMail(user.email));

      const accepted = await resend(user.accessToken).expect(202);

      expect(accepted.body).toEqual({ message: expect.any(String) as unknown });
      const second = await verificationMail(user.email);
      expect(second.html.trim()).not.toBe('');
      const token = tokenIn(second);
      expect(token).not.toBe(first);
      await verify({ token: first }).expect(400, /invalid_link_token/);
      await verify({ token }).expect(200);
      await me(user.accessToken).expect(200, /"emailVerified":true/);
    });

    it('should answer 202 alike and send nothing once the address is verified', async () => {
      const user = await registerUser(t.http);
      await verify({ token: tokenIn(await verificationMail(user.email)) }).expect(200);
      const before = await resend(user.accessToken).expect(202);

      const after = await resend(user.accessToken).expect(202);
      await markerMail(user);

      expect(after.text).toBe(before.text);
      expect(mailsTo(sink, user.email, VERIFY_SUBJECT)).toHaveLength(1);
    });

    it('should need an access token', async () => {
      const response = await t.http.post('/auth/email/verification').expect(401);
      expect(response.body).toMatchObject({ code: 'invalid_access_token' });
    });
  });

  describe('bad link tokens', () => {
    /** The answer to a token that was never issued: every bad token must get exactly this one. */
    async function referenceAnswer(): Promise<Response> {
      const response = await verify({ token: randomBytes(32).toString('base64url') });
      expect(response.status).toBe(400);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.body).toMatchObject(INVALID_LINK_TOKEN);
      return response;
    }

    async function expectRefusedAlike(body: unknown): Promise<void> {
      const reference = await referenceAnswer();
      const response = await verify(body);
      expect({ status: response.status, body: response.body as unknown }).toEqual({
        status: 400,
        body: reference.body as unknown,
      });
      expect(response.headers['content-type']).toBe(reference.headers['content-type']);
    }

    it.each<[string, unknown]>([
      ['a number', { token: 12345 }],
      ['an object', { token: { $ne: null } }],
      ['an array', { token: ['a'.repeat(43)] }],
      ['null', { token: null }],
      ['a boolean', { token: true }],
      ['a missing token', {}],
      ['an empty string', { token: '' }],
      ['a 44-character token', { token: 'A'.repeat(44) }],
      ['a 2000-character token', { token: 'A'.repeat(2000) }],
      ['a 42-character token', { token: 'A'.repeat(42) }],
      ['43 characters outside base64url', { token: '!'.repeat(43) }],
      ['43 characters with padding', { token: `${'A'.repeat(42)}=` }],
      ['a token with a NUL', { token: `${'A'.repeat(42)}\u0000` }],
      ['a token with spaces around it', { token: ` ${'A'.repeat(43)} ` }],
    ])('should refuse %s with the one invalid_link_token answer', async (_case, body) => {
      await expectRefusedAlike(body);
    });

    it('should refuse garbage of the right length and form alike', async () => {
      await expectRefusedAlike({ token: randomBytes(32).toString('base64url') });
    });

    it('should refuse a real token with one character changed, and still take the real one', async () => {
      const user = await registerUser(t.http);
      const token = tokenIn(await verificationMail(user.email));
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const other = (char: string, step: number) =>
        alphabet[(alphabet.indexOf(char) + step) % alphabet.length];

      await expectRefusedAlike({ token: `${other(token[0], 1)}${token.slice(1)}` });
      // The last character carries two unused bits: this one decodes to the same 32 bytes.
      await expectRefusedAlike({ token: `${token.slice(0, -1)}${other(token.at(-1)!, 1)}` });
      await verify({ token }).expect(200);
    });

    it('should refuse a used token alike', async () => {
      const user = await registerUser(t.http);
      const token = tokenIn(await verificationMail(user.email));
      await verify({ token }).expect(200);

      await expectRefusedAlike({ token });
    });

    it('should refuse a password-reset token alike, and leave it usable for a reset', async () => {
      const user = await registerUser(t.http);
      await verificationMail(user.email);
      await t.http.post('/auth/password/forgot').send({ email: user.email }).expect(202);
      const resetToken = tokenIn(
        await sink.waitForMail({ to: user.email, subject: RESET_SUBJECT }, MAIL_TIMEOUT),
      );

      await expectRefusedAlike({ token: resetToken });

      await me(user.accessToken).expect(200, /"emailVerified":false/);
      await t.http
        .post('/auth/password/reset')
        .send({ token: resetToken, newPassword: 'a new passphrase after all' })
        .expect(204);
    });

    it('should refuse an expired token alike (EMAIL_VERIFICATION_TTL, 24h)', async () => {
      const user = await registerUser(t.http);
      const token = tokenIn(await verificationMail(user.email));

      setClockAhead(t.app, 24 * 3600 + 60);
      await expectRefusedAlike({ token });
      jest.restoreAllMocks();

      await me(user.accessToken).expect(200, /"emailVerified":false/);
    });

    it('should accept a token just before it expires', async () => {
      const user = await registerUser(t.http);
      const token = tokenIn(await verificationMail(user.email));

      setClockAhead(t.app, 24 * 3600 - 60);
      await verify({ token }).expect(200);
    });

    it('should refuse a body that is not JSON without a 500', async () => {
      const response = await t.http
        .post('/auth/email/verify')
        .set('Content-Type', 'application/json')
        .send('{"token":');
      expect(response.status).toBe(400);
      const form = await t.http
        .post('/auth/email/verify')
        .type('form')
        .send({ token: 'A'.repeat(43) });
      expect(form.status).toBe(415);
    });
  });

  describe('MAIL_COOLDOWN and RATE_LIMIT_MAIL', () => {
    it('should not send a second verification mail within MAIL_COOLDOWN, answering alike', async () => {
      const cooling = await startTestApp(mailEnv(sink, { MAIL_COOLDOWN: '60s' }));
      try {
        const user = await registerUser(cooling.http);
        const first = tokenIn(await verificationMail(user.email));

        const accepted = await cooling.http
          .post('/auth/email/verification')
          .auth(user.accessToken, { type: 'bearer' })
          .expect(202);
        await cooling.http
          .post('/users/me/password')
          .auth(user.accessToken, { type: 'bearer' })
          .send({ currentPassword: PASSWORD, newPassword: 'a marker passphrase, changed' })
          .expect(204);
        await sink.waitForMail({ to: user.email, subject: CHANGED_SUBJECT }, MAIL_TIMEOUT);

        expect(accepted.body).toEqual({ message: expect.any(String) as unknown });
        expect(mailsTo(sink, user.email, VERIFY_SUBJECT)).toHaveLength(1);
        setClockAhead(cooling.app, 61);
        await cooling.http
          .post('/auth/email/verification')
          .auth(user.accessToken, { type: 'bearer' })
          .expect(202);
        const second = tokenIn(await verificationMail(user.email));
        jest.restoreAllMocks();
        await cooling.http.post('/auth/email/verify').send({ token: first }).expect(400);
        await cooling.http.post('/auth/email/verify').send({ token: second }).expect(200);
      } finally {
        jest.restoreAllMocks();
        await cooling.close();
      }
    });

    it('should send at most RATE_LIMIT_MAIL verification mails on request', async () => {
      const limited = await startTestApp(mailEnv(sink, { RATE_LIMIT_MAIL: '2/1h' }));
      try {
        const user = await registerUser(limited.http);
        await verificationMail(user.email);

        for (let request = 0; request < 2; request++) {
          await limited.http
            .post('/auth/email/verification')
            .auth(user.accessToken, { type: 'bearer' })
            .expect(202);
          await verificationMail(user.email);
        }
        await limited.http
          .post('/auth/email/verification')
          .auth(user.accessToken, { type: 'bearer' })
          .expect(202);
        await limited.http
          .post('/users/me/password')
          .auth(user.accessToken, { type: 'bearer' })
          .send({ currentPassword: PASSWORD, newPassword: 'a marker passphrase, changed' })
          .expect(204);
        await sink.waitForMail({ to: user.email, subject: CHANGED_SUBJECT }, MAIL_TIMEOUT);

        // The registration's mail and the two the limit allows.
        expect(mailsTo(sink, user.email, VERIFY_SUBJECT)).toHaveLength(3);
      } finally {
        await limited.close();
      }
    });

    it('should limit uses of links per IP with RATE_LIMIT_LINK (429, Retry-After)', async () => {
      const limited = await startTestApp(mailEnv(sink, { RATE_LIMIT_LINK: '3/1h' }));
      try {
        const user = await registerUser(limited.http);
        const token = tokenIn(await verificationMail(user.email));
        for (let attempt = 0; attempt < 3; attempt++) {
          await limited.http
            .post('/auth/email/verify')
            .send({ token: randomBytes(32).toString('base64url') })
            .expect(400);
        }

        const refused = await limited.http.post('/auth/email/verify').send({ token }).expect(429);

        expect(refused.body).toMatchObject({ code: 'too_many_requests' });
        expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
        await limited.http
          .get('/users/me')
          .auth(user.accessToken, { type: 'bearer' })
          .expect(200, /"emailVerified":false/);
      } finally {
        await limited.close();
      }
    });
  });

  describe('ACCOUNT_URL', () => {
    it('should start links with PUBLIC_URL/account when only PUBLIC_URL is set', async () => {
      const other = await startTestApp(mailEnv(sink, { PUBLIC_URL: 'https://auth.example.org/' }));
      try {
        const user = await registerUser(other.http);
        const link = linkIn(await verificationMail(user.email));
        expect(link).toMatch(
          /^https:\/\/auth\.example\.org\/account\/verify-email\?token=[\w-]{43}$/,
        );
      } finally {
        await other.close();
      }
    });

    it('should point verification and reset links at a custom ACCOUNT_URL', async () => {
      const other = await startTestApp(
        mailEnv(sink, {
          PUBLIC_URL: 'https://auth.example.org',
          ACCOUNT_URL: 'https://app.example.com/my/account/',
        }),
      );
      try {
        const user = await registerUser(other.http);
        const verification = await verificationMail(user.email);
        const link = linkIn(verification);
        expect(link).toMatch(
          /^https:\/\/app\.example\.com\/my\/account\/verify-email\?token=[\w-]{43}$/,
        );
        await other.http.post('/auth/password/forgot').send({ email: user.email }).expect(202);
        const reset = linkIn(
          await sink.waitForMail({ to: user.email, subject: RESET_SUBJECT }, MAIL_TIMEOUT),
        );
        expect(reset).toMatch(
          /^https:\/\/app\.example\.com\/my\/account\/reset-password\?token=[\w-]{43}$/,
        );
        await other.http
          .post('/auth/email/verify')
          .send({ token: tokenIn(verification) })
          .expect(200);
      } finally {
        await other.close();
      }
    });
  });

  describe('EMAIL_VERIFICATION=required', () => {
    let strict: TestApp;

    beforeAll(async () => {
      strict = await startTestApp(mailEnv(sink, { EMAIL_VERIFICATION: 'required' }));
    });

    afterAll(async () => {
      await strict?.close();
    });

    const GUARDED: ['get' | 'patch' | 'post' | 'delete', string, object | undefined][] = [
      ['get', '/sessions', undefined],
      ['patch', '/users/me', { displayName: 'Ada' }],
      ['get', '/users/me/events', undefined],
      [
        'post',
        '/users/me/password',
        { currentPassword: PASSWORD, newPassword: 'another one, new' },
      ],
      ['post', '/users/me/email', { newEmail: uniqueEmail('new'), currentPassword: PASSWORD }],
      ['delete', '/users/me', { currentPassword: PASSWORD }],
    ];

    function call(
      method: 'get' | 'patch' | 'post' | 'delete',
      path: string,
      accessToken: string,
      body?: object,
    ) {
      const request = strict.http[method](path).auth(accessToken, { type: 'bearer' });
      return body ? request.send(body) : request;
    }

    it('should refuse an unverified token with 403 email_not_verified on every other route', async () => {
      const user = await registerUser(strict.http);
      expect(claimsOf(user.accessToken)).toMatchObject({ email_verified: false });

      for (const [method, path, body] of GUARDED) {
        const response = await call(method, path, user.accessToken, body);
        expect({ route: `${method} ${path}`, status: response.status }).toEqual({
          route: `${method} ${path}`,
          status: 403,
        });
        expect(response.body).toMatchObject({ code: 'email_not_verified', status: 403 });
      }
      // Nothing was done by the refused requests.
      await login(strict.http, user.email);
    });

    it('should let an unverified user read the profile, ask for a new link, refresh and log out', async () => {
      const user = await registerUser(strict.http);
      await verificationMail(user.email);
      const other = await login(strict.http, user.email);

      const profile = await strict.http
        .get('/users/me')
        .auth(user.accessToken, { type: 'bearer' })
        .expect(200);
      expect(profile.body).toMatchObject({ email: user.email, emailVerified: false });
      await strict.http
        .post('/auth/email/verification')
        .auth(user.accessToken, { type: 'bearer' })
        .expect(202);
      await verificationMail(user.email);
      const refreshed = await refreshWithBody(strict.http, user.refreshToken).expect(200);
      const { refreshToken } = refreshed.body as TokenResponse;
      await strict.http.post('/auth/logout').send({ refreshToken }).expect(204);
      await strict.http
        .post('/auth/logout-all')
        .auth(other.accessToken, { type: 'bearer' })
        .expect(204);
      await refreshWithBody(strict.http, other.refreshToken).expect(401, /session_revoked/);
    });

    it('should open every route after the address is verified and the token refreshed', async () => {
      const user = await registerUser(strict.http);
      const token = tokenIn(await verificationMail(user.email));

      await strict.http.post('/auth/email/verify').send({ token }).expect(200);
      const refreshed = await refreshWithBody(strict.http, user.refreshToken).expect(200);
      const { accessToken } = refreshed.body as TokenResponse;

      expect(claimsOf(accessToken)).toMatchObject({ email_verified: true });
      await call('get', '/sessions', accessToken).expect(200);
      await call('patch', '/users/me', accessToken, { displayName: 'Ada' }).expect(200);
      await call('get', '/users/me/events', accessToken).expect(200);
    });
  });
});
