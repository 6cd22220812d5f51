import { createHash, randomBytes } from 'node:crypto';

import { setClockAhead } from 'test/support/clock';
import {
  login,
  PASSWORD,
  refreshWithBody,
  registerUser,
  uniqueEmail,
} from 'test/support/factories';
import { SmtpSink, tokenIn, mailsTo, urlsIn, mailEnv } from 'test/support/smtp-sink';
import { startTestApp, type TestApp } from 'test/support/test-app';
import { within } from 'test/support/within';

const NEW_PASSWORD = 'a freshly reset passphrase';
const RESET_SUBJECT = /reset your password/i;
const RESET_NOTICE_SUBJECT = /password was reset/i;
const CHANGED_SUBJECT = /password was changed/i;
const VERIFY_SUBJECT = /verify/i;
const MAIL_TIMEOUT = { timeoutMs: 30_000 };
const INVALID_LINK_TOKEN = {
  type: 'about:blank',
  title: 'Bad Request',
  status: 400,
  code: 'invalid_link_token',
};

type Registered = Awaited<ReturnType<typeof registerUser>>;

/** Registers a user and takes the verification mail, so that later waits see only new mail. */
async function registerWithMail(t: TestApp, sink: SmtpSink): Promise<Registered> {
  const user = await registerUser(t.http);
  await sink.waitForMail({ to: user.email, subject: VERIFY_SUBJECT }, MAIL_TIMEOUT);
  return user;
}

function forgot(t: TestApp, email: unknown) {
  return t.http.post('/auth/password/forgot').send({ email });
}

async function resetToken(t: TestApp, sink: SmtpSink, email: string): Promise<string> {
  await forgot(t, email).expect(202);
  return tokenIn(await sink.waitForMail({ to: email, subject: RESET_SUBJECT }, MAIL_TIMEOUT));
}

/**
 * A mail that must come after everything the user's earlier requests queued (the outbox sends in
 * order): a password change's notice. Answers the new password.
 */
async function markerMail(
  t: TestApp,
  sink: SmtpSink,
  user: { accessToken: string; email: string },
  currentPassword = PASSWORD,
): Promise<string> {
  const newPassword = `a marker passphrase ${randomBytes(4).toString('hex')}`;
  await t.http
    .post('/users/me/password')
    .auth(user.accessToken, { type: 'bearer' })
    .send({ currentPassword, newPassword })
    .expect(204);
  await sink.waitForMail({ to: user.email, subject: CHANGED_SUBJECT }, MAIL_TIMEOUT);
  return newPassword;
}

async function eventTypes(t: TestApp, accessToken: string): Promise<string[]> {
  const response = await t.http
    .get('/users/me/events')
    .auth(accessToken, { type: 'bearer' })
    .expect(200);
  return (response.body as { type: string }[]).map(({ type }) => type);
}

// Booting an app, argon2 and the mail worker share the machine with other spec files: generous bounds.
jest.setTimeout(120_000);

describe('password reset', () => {
  let sink: SmtpSink;
  let t: TestApp;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    t = await startTestApp(mailEnv(sink, { LOGIN_BACKOFF_AFTER: '3' }));
  });

  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  function reset(body: Record<string, unknown>) {
    return t.http.post('/auth/password/reset').send(body);
  }

  describe('POST /auth/password/forgot', () => {
    it('should send one mail per request without a cooldown, however close together they come', async () => {
      const user = await registerWithMail(t, sink);

      await Promise.all(Array.from({ length: 12 }, () => forgot(t, user.email).expect(202)));

      for (let mail = 0; mail < 12; mail++) {
        await sink.waitForMail({ to: user.email, subject: RESET_SUBJECT }, MAIL_TIMEOUT);
      }
    });

    it('should mail an existing account one reset link, with a text and an HTML part', async () => {
      const user = await registerWithMail(t, sink);

      const accepted = await forgot(t, user.email).expect(202);

      expect(accepted.body).toEqual({ message: expect.any(String) as unknown });
      const mail = await sink.waitForMail({ to: user.email, subject: RESET_SUBJECT }, MAIL_TIMEOUT);
      expect(mail.envelope.to).toEqual([user.email]);
      expect(mail.text.trim()).not.toBe('');
      expect(mail.html.trim()).not.toBe('');
      const token = tokenIn(mail);
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(urlsIn(mail)).toEqual([
        `http://localhost:${t.config.port}/account/reset-password?token=${token}`,
      ]);
    });

    it('should find the account whatever the case and surrounding spaces of the address', async () => {
      const user = await registerWithMail(t, sink);

      await forgot(t, `  ${user.email.toUpperCase()} `).expect(202);

      await sink.waitForMail({ to: user.email, subject: RESET_SUBJECT }, MAIL_TIMEOUT);
    });

    it('should answer an unknown address exactly as a known one, and send it nothing', async () => {
      const user = await registerWithMail(t, sink);
      const unknown = uniqueEmail('nobody');

      const known = await forgot(t, user.email).expect(202);
      const stranger = await forgot(t, unknown).expect(202);
      await sink.waitForMail({ to: user.email, subject: RESET_SUBJECT }, MAIL_TIMEOUT);
      await markerMail(t, sink, user);

      expect(stranger.text).toBe(known.text);
      expect(stranger.headers['content-type']).toBe(known.headers['content-type']);
      expect(sink.messages.filter((mail) => mail.envelope.to.includes(unknown))).toEqual([]);
    });

    it.each<[string, unknown]>([
      ['not an email', { email: 'not an email' }],
      ['a number', { email: 42 }],
      ['an array', { email: ['ada@example.com'] }],
      ['a missing email', {}],
      ['an unknown field', { email: 'ada@example.com', admin: true }],
    ])('should refuse %s with 400 validation_failed', async (_case, body) => {
      const response = await t.http.post('/auth/password/forgot').send(body as object);

      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ code: 'validation_failed', status: 400 });
    });
  });

  describe('POST /auth/password/reset', () => {
    it('should set the password and end every session, the old password failing and the new one working', async () => {
      const user = await registerWithMail(t, sink);
      const laptop = await login(t.http, user.email);
      const token = await resetToken(t, sink, user.email);

      const response = await reset({ token, newPassword: NEW_PASSWORD }).expect(204);

      expect(response.text).toBe('');
      for (const session of [user, laptop]) {
        await t.http.get('/users/me').auth(session.accessToken, { type: 'bearer' }).expect(401);
        await refreshWithBody(t.http, session.refreshToken).expect(401, /session_revoked/);
      }
      await t.http
        .post('/auth/login')
        .send({ email: user.email, password: PASSWORD })
        .expect(401, /invalid_credentials/);
      const fresh = await login(t.http, user.email, NEW_PASSWORD);
      const profile = await t.http
        .get('/users/me')
        .auth(fresh.accessToken, { type: 'bearer' })
        .expect(200);
      expect(profile.body).toMatchObject({ email: user.email, emailVerified: true });
    });

    it('should tell the user by mail, without a link', async () => {
      const user = await registerWithMail(t, sink);
      await reset({ token: await resetToken(t, sink, user.email), newPassword: NEW_PASSWORD });

      const notice = await sink.waitForMail(
        { to: user.email, subject: RESET_NOTICE_SUBJECT },
        MAIL_TIMEOUT,
      );

      expect(notice.envelope.to).toEqual([user.email]);
      expect(notice.text.trim()).not.toBe('');
      expect(notice.html.trim()).not.toBe('');
      expect(urlsIn(notice)).toEqual([]);
    });

    it('should use a link once, and make an older link of the user stop working', async () => {
      const user = await registerWithMail(t, sink);
      const older = await resetToken(t, sink, user.email);
      const newer = await resetToken(t, sink, user.email);

      const replaced = await reset({ token: older, newPassword: NEW_PASSWORD }).expect(400);
      await reset({ token: newer, newPassword: NEW_PASSWORD }).expect(204);
      const used = await reset({ token: newer, newPassword: 'yet another passphrase' }).expect(400);

      expect(replaced.body).toMatchObject(INVALID_LINK_TOKEN);
      expect(used.body).toEqual(replaced.body);
      await login(t.http, user.email, NEW_PASSWORD);
    });

    it('should let only one of concurrent uses of a link succeed', async () => {
      const user = await registerWithMail(t, sink);
      const token = await resetToken(t, sink, user.email);

      const answers = await Promise.all(
        ['one passphrase here', 'two passphrase here', 'three passphrase here'].map((newPassword) =>
          reset({ token, newPassword }),
        ),
      );

      expect(answers.map(({ status }) => status).sort()).toEqual([204, 400, 400]);
    });

    it('should clear the login backoff', async () => {
      const user = await registerWithMail(t, sink);
      for (let attempt = 0; attempt < 3; attempt++) {
        await t.http
          .post('/auth/login')
          .send({ email: user.email, password: 'not the password!' })
          .expect(401);
      }
      await t.http.post('/auth/login').send({ email: user.email, password: PASSWORD }).expect(429);

      await reset({
        token: await resetToken(t, sink, user.email),
        newPassword: NEW_PASSWORD,
      }).expect(204);

      await t.http
        .post('/auth/login')
        .send({ email: user.email, password: NEW_PASSWORD })
        .expect(200);
    });

    it('should record password_reset_requested and password_reset', async () => {
      const user = await registerWithMail(t, sink);
      await reset({
        token: await resetToken(t, sink, user.email),
        newPassword: NEW_PASSWORD,
      }).expect(204);
      const { accessToken } = await login(t.http, user.email, NEW_PASSWORD);

      let types: string[] = [];
      const recorded = await within(30_000, async () => {
        types = await eventTypes(t, accessToken);
        return types.includes('password_reset_requested') && types.includes('password_reset');
      });

      expect({ recorded, types }).toEqual({ recorded: true, types: expect.any(Array) as unknown });
      expect(types.indexOf('password_reset')).toBeLessThan(
        types.indexOf('password_reset_requested'),
      );
    });

    it.each([
      ['too short', 'short'],
      ['too common', 'iloveyou123'],
      ['too long', 'x'.repeat(129)],
    ])(
      'should refuse a %s new password with validation_failed and leave the link usable',
      async (_case, newPassword) => {
        const user = await registerWithMail(t, sink);
        const token = await resetToken(t, sink, user.email);

        const response = await reset({ token, newPassword }).expect(400);

        expect(response.body).toMatchObject({ code: 'validation_failed', status: 400 });
        expect((response.body as { errors: { field: string }[] }).errors).toEqual(
          expect.arrayContaining([expect.objectContaining({ field: 'newPassword' })]),
        );
        await login(t.http, user.email);
        await reset({ token, newPassword: NEW_PASSWORD }).expect(204);
        await login(t.http, user.email, NEW_PASSWORD);
      },
    );

    it('should refuse a missing new password with validation_failed and leave the link usable', async () => {
      const user = await registerWithMail(t, sink);
      const token = await resetToken(t, sink, user.email);

      await reset({ token }).expect(400, /validation_failed/);
      await reset({ token, newPassword: 12345678 }).expect(400, /validation_failed/);

      await reset({ token, newPassword: NEW_PASSWORD }).expect(204);
    });
  });

  describe('bad link tokens', () => {
    async function expectRefusedAlike(token: unknown, body: Record<string, unknown> = {}) {
      const reference = await reset({
        token: randomBytes(32).toString('base64url'),
        newPassword: NEW_PASSWORD,
      });
      const response = await reset({ token, newPassword: NEW_PASSWORD, ...body });

      expect(reference.status).toBe(400);
      expect(reference.body).toMatchObject(INVALID_LINK_TOKEN);
      expect({ status: response.status, body: response.body as unknown }).toEqual({
        status: 400,
        body: reference.body as unknown,
      });
      expect(response.headers['content-type']).toBe(reference.headers['content-type']);
    }

    it.each<[string, unknown]>([
      ['a number', 12345],
      ['an object', { $gt: '' }],
      ['an array', ['A'.repeat(43)]],
      ['null', null],
      ['a missing token', undefined],
      ['an empty string', ''],
      ['a 44-character token', 'A'.repeat(44)],
      ['a 2000-character token', 'A'.repeat(2000)],
      ['43 characters outside base64url', '%'.repeat(43)],
      ['garbage of the right length', randomBytes(32).toString('base64url')],
    ])('should refuse %s with the one invalid_link_token answer', async (_case, token) => {
      await expectRefusedAlike(token);
    });

    it('should refuse a verification token alike, and leave it usable for verification', async () => {
      const user = await registerUser(t.http);
      const verification = tokenIn(
        await sink.waitForMail({ to: user.email, subject: VERIFY_SUBJECT }, MAIL_TIMEOUT),
      );

      await expectRefusedAlike(verification);

      await login(t.http, user.email);
      await t.http.post('/auth/email/verify').send({ token: verification }).expect(200);
    });

    it('should refuse an expired token alike (PASSWORD_RESET_TTL, 1h), and change nothing', async () => {
      const user = await registerWithMail(t, sink);
      const token = await resetToken(t, sink, user.email);

      setClockAhead(t.app, 3600 + 60);
      await expectRefusedAlike(token);
      jest.restoreAllMocks();

      await login(t.http, user.email);
      await refreshWithBody(t.http, user.refreshToken).expect(200);
    });

    it('should refuse a used token alike', async () => {
      const user = await registerWithMail(t, sink);
      const token = await resetToken(t, sink, user.email);
      await reset({ token, newPassword: NEW_PASSWORD }).expect(204);

      await expectRefusedAlike(token);
    });
  });

  describe('POST /users/me/password', () => {
    it('should tell the user by mail that the password changed, without a link', async () => {
      const user = await registerWithMail(t, sink);

      await t.http
        .post('/users/me/password')
        .auth(user.accessToken, { type: 'bearer' })
        .send({ currentPassword: PASSWORD, newPassword: NEW_PASSWORD })
        .expect(204);

      const notice = await sink.waitForMail(
        { to: user.email, subject: CHANGED_SUBJECT },
        MAIL_TIMEOUT,
      );
      expect(notice.envelope.to).toEqual([user.email]);
      expect(notice.text.trim()).not.toBe('');
      expect(notice.html.trim()).not.toBe('');
      expect(urlsIn(notice)).toEqual([]);
    });
  });

  describe('MAIL_COOLDOWN and RATE_LIMIT_MAIL', () => {
    let cooling: TestApp;
    let limited: TestApp;

    beforeAll(async () => {
      cooling = await startTestApp(mailEnv(sink, { MAIL_COOLDOWN: '60s' }));
      limited = await startTestApp(mailEnv(sink, { RATE_LIMIT_MAIL: '2/1h' }));
    });

    afterAll(async () => {
      await cooling?.close();
      await limited?.close();
    });

    it('should send one reset mail per address within MAIL_COOLDOWN, answering alike', async () => {
      const user = await registerWithMail(cooling, sink);
      const reference = await forgot(t, uniqueEmail('nobody')).expect(202);

      const first = await forgot(cooling, user.email).expect(202);
      const token = tokenIn(
        await sink.waitForMail({ to: user.email, subject: RESET_SUBJECT }, MAIL_TIMEOUT),
      );
      const second = await forgot(cooling, user.email).expect(202);
      const marker = await markerMail(cooling, sink, user);

      expect(first.text).toBe(reference.text);
      expect(second.text).toBe(reference.text);
      expect(mailsTo(sink, user.email, RESET_SUBJECT)).toHaveLength(1);
      // The link that did go out still works.
      await cooling.http
        .post('/auth/password/reset')
        .send({ token, newPassword: NEW_PASSWORD })
        .expect(204);
      await login(cooling.http, user.email, NEW_PASSWORD);
      await cooling.http
        .post('/auth/login')
        .send({ email: user.email, password: marker, transport: 'body' })
        .expect(401);
    });

    it('should send at most RATE_LIMIT_MAIL reset mails to an address, answering alike', async () => {
      const user = await registerWithMail(limited, sink);
      const reference = await forgot(t, uniqueEmail('nobody')).expect(202);

      // The limit is the address's, however it is written.
      const spellings = [user.email, user.email.toUpperCase(), ` ${user.email} `];
      const answers = [];
      for (const spelling of spellings.slice(0, 2)) {
        answers.push(await forgot(limited, spelling).expect(202));
        await sink.waitForMail({ to: user.email, subject: RESET_SUBJECT }, MAIL_TIMEOUT);
      }
      answers.push(await forgot(limited, spellings[2]).expect(202));
      await markerMail(limited, sink, user);

      for (const answer of answers) {
        expect(answer.text).toBe(reference.text);
      }
      expect(mailsTo(sink, user.email, RESET_SUBJECT)).toHaveLength(2);
    });

    it('should count an unknown address against the limit too, answering alike', async () => {
      const unknown = uniqueEmail('nobody');
      const reference = await forgot(t, uniqueEmail('nobody')).expect(202);

      for (let request = 0; request < 4; request++) {
        const answer = await forgot(limited, unknown).expect(202);
        expect(answer.text).toBe(reference.text);
      }
    });
  });

  describe('while SMTP is down', () => {
    const logLines: string[] = [];
    let outageSink: SmtpSink;
    let app: TestApp;

    beforeAll(async () => {
      outageSink = await SmtpSink.start();
      app = await startTestApp(mailEnv(outageSink, { LOG_LEVEL: 'warn' }), {
        logDestination: { write: (line: string) => logLines.push(line) },
      });
    });

    afterAll(async () => {
      await app?.close();
      await outageSink?.stop();
    });

    it('should answer alike, keep the mail in the outbox, and send it once SMTP is back', async () => {
      const user = await registerWithMail(app, outageSink);
      const reference = await forgot(t, uniqueEmail('nobody')).expect(202);
      const { port } = outageSink;
      await outageSink.stop();

      const answer = await forgot(app, user.email).expect(202);

      expect(answer.text).toBe(reference.text);
      // The worker has tried, and failed, to send it.
      const failed = await within(30_000, () =>
        Promise.resolve(logLines.some((line) => /reset-password.*not sent/.test(line))),
      );
      expect(failed).toBe(true);
      outageSink = await SmtpSink.start({ port });
      const mail = await outageSink.waitForMail(
        { to: user.email, subject: RESET_SUBJECT },
        { timeoutMs: 45_000 },
      );
      await app.http
        .post('/auth/password/reset')
        .send({ token: tokenIn(mail), newPassword: NEW_PASSWORD })
        .expect(204);
    });
  });

  describe('secrets in logs', () => {
    it('should never log a link, its token or digest, a password or a hash when mail goes over SMTP', async () => {
      const lines: string[] = [];
      const app = await startTestApp(mailEnv(sink, { LOG_LEVEL: 'info' }), {
        logDestination: { write: (line: string) => lines.push(line) },
      });
      try {
        const user = await registerUser(app.http);
        const verification = await sink.waitForMail(
          { to: user.email, subject: VERIFY_SUBJECT },
          MAIL_TIMEOUT,
        );
        await app.http.post('/auth/email/verify').send({ token: tokenIn(verification) });
        await forgot(app, user.email).expect(202);
        const resetMail = await sink.waitForMail(
          { to: user.email, subject: RESET_SUBJECT },
          MAIL_TIMEOUT,
        );
        await app.http
          .post('/auth/password/reset')
          .send({ token: tokenIn(resetMail), newPassword: NEW_PASSWORD })
          .expect(204);
        await sink.waitForMail({ to: user.email, subject: RESET_NOTICE_SUBJECT }, MAIL_TIMEOUT);
        const { accessToken } = await login(app.http, user.email, NEW_PASSWORD);
        const newEmail = uniqueEmail('moved');
        await app.http
          .post('/users/me/email')
          .auth(accessToken, { type: 'bearer' })
          .send({ newEmail, currentPassword: NEW_PASSWORD })
          .expect(202);
        const change = await sink.waitForMail({ to: newEmail, subject: /confirm/i }, MAIL_TIMEOUT);
        await app.http.post('/auth/email/verify').send({ token: tokenIn(change) });
        await app.http
          .delete('/users/me')
          .auth(accessToken, { type: 'bearer' })
          .send({ currentPassword: NEW_PASSWORD })
          .expect(204);

        const logged = lines.join('\n');
        expect(logged).toContain('request completed');
        const secrets = [PASSWORD, NEW_PASSWORD, user.refreshToken, user.accessToken];
        for (const mail of [verification, resetMail, change]) {
          const token = tokenIn(mail);
          const digest = createHash('sha256').update(token).digest();
          secrets.push(
            token,
            digest.toString('hex'),
            digest.toString('base64'),
            digest.toString('base64url'),
          );
        }
        for (const secret of secrets) {
          expect(logged).not.toContain(secret);
        }
        expect(logged).not.toMatch(/token=|\$argon2/);
      } finally {
        await app.close();
      }
    });

    it('should log the link of a mail written to a file when MAIL_URL is unset (development)', async () => {
      const lines: string[] = [];
      const app = await startTestApp(
        { MAIL_COOLDOWN: '0', LOG_LEVEL: 'info' },
        { logDestination: { write: (line: string) => lines.push(line) } },
      );
      try {
        const { email } = await registerUser(app.http);
        await forgot(app, email).expect(202);

        const logged = await within(30_000, () =>
          Promise.resolve(lines.some((line) => /reset-password\?token=[\w-]{43}/.test(line))),
        );

        expect(logged).toBe(true);
        expect(lines.join('\n')).not.toContain(PASSWORD);
      } finally {
        await app.close();
      }
    });
  });
});
