import { setClockAhead } from 'test/support/clock';
import {
  login,
  PASSWORD,
  refreshWithBody,
  registerUser,
  uniqueEmail,
} from 'test/support/factories';
import {
  linkIn,
  mailEnv,
  mailsTo,
  SmtpSink,
  tokenIn,
  urlsIn,
  type ReceivedMail,
} from 'test/support/smtp-sink';
import { startTestApp, type TestApp } from 'test/support/test-app';

const VERIFY_SUBJECT = /verify/i;
const CONFIRM_SUBJECT = /confirm your new email/i;
const NOTICE_SUBJECT = /about to change/i;
const RESET_SUBJECT = /reset your password/i;
const MAIL_TIMEOUT = { timeoutMs: 30_000 };
const EVIL = 'evil@example.com';

type Registered = Awaited<ReturnType<typeof registerUser>>;

/** The header section of a raw message, as it went over SMTP. */
function rawHeaders(mail: ReceivedMail): string {
  const end = mail.raw.search(/\r?\n\r?\n/);
  return end === -1 ? mail.raw : mail.raw.slice(0, end);
}

// Booting an app, argon2 and the mail worker share the machine with other spec files: generous bounds.
jest.setTimeout(120_000);

describe('email change and account deletion', () => {
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

  /** Registers a user and takes the verification mail, so that later waits see only new mail. */
  async function registerWithMail(
    overrides: Parameters<typeof registerUser>[1] = {},
  ): Promise<Registered & { verificationToken: string }> {
    const user = await registerUser(t.http, overrides);
    const mail = await sink.waitForMail({ to: user.email, subject: VERIFY_SUBJECT }, MAIL_TIMEOUT);
    return { ...user, verificationToken: tokenIn(mail) };
  }

  function changeEmail(accessToken: string, body: Record<string, unknown>) {
    return t.http.post('/users/me/email').auth(accessToken, { type: 'bearer' }).send(body);
  }

  function verify(token: string) {
    return t.http.post('/auth/email/verify').send({ token });
  }

  function me(accessToken: string) {
    return t.http.get('/users/me').auth(accessToken, { type: 'bearer' });
  }

  function confirmationMail(newEmail: string): Promise<ReceivedMail> {
    return sink.waitForMail({ to: newEmail, subject: CONFIRM_SUBJECT }, MAIL_TIMEOUT);
  }

  function attemptLogin(email: string, password = PASSWORD) {
    return t.http.post('/auth/login').send({ email, password, transport: 'body' });
  }

  async function eventTypes(accessToken: string): Promise<string[]> {
    const response = await t.http
      .get('/users/me/events')
      .auth(accessToken, { type: 'bearer' })
      .expect(200);
    return (response.body as { type: string }[]).map(({ type }) => type);
  }

  describe('POST /users/me/email', () => {
    it('should mail a link to the new address and a notice without a link to the old one', async () => {
      const user = await registerWithMail();
      const newEmail = uniqueEmail('moved');

      const accepted = await changeEmail(user.accessToken, {
        newEmail,
        currentPassword: PASSWORD,
      }).expect(202);

      expect(accepted.body).toEqual({ message: expect.any(String) as unknown });
      const confirmation = await confirmationMail(newEmail);
      expect(confirmation.envelope.to).toEqual([newEmail]);
      expect(confirmation.text.trim()).not.toBe('');
      expect(confirmation.html.trim()).not.toBe('');
      expect(linkIn(confirmation)).toMatch(
        new RegExp(`^http://localhost:${t.config.port}/account/verify-email\\?token=[\\w-]{43}$`),
      );
      expect(urlsIn(confirmation)).toEqual([linkIn(confirmation)]);
      const notice = await sink.waitForMail(
        { to: user.email, subject: NOTICE_SUBJECT },
        MAIL_TIMEOUT,
      );
      expect(notice.envelope.to).toEqual([user.email]);
      expect(notice.text.trim()).not.toBe('');
      expect(notice.html.trim()).not.toBe('');
      expect(urlsIn(notice)).toEqual([]);
      expect(notice.text).toContain(newEmail);
    });

    it('should change nothing until the link is used, then move the account to the new address, verified', async () => {
      const user = await registerWithMail();
      const newEmail = uniqueEmail('moved');
      await changeEmail(user.accessToken, { newEmail, currentPassword: PASSWORD }).expect(202);
      const token = tokenIn(await confirmationMail(newEmail));

      await me(user.accessToken).expect(200, new RegExp(`"email":"${user.email}"`));
      await attemptLogin(user.email).expect(200);
      await attemptLogin(newEmail).expect(401, /invalid_credentials/);

      const verified = await verify(token).expect(200);

      expect(verified.body).toEqual({ email: newEmail, emailVerified: true });
      const profile = await me(user.accessToken).expect(200);
      expect(profile.body).toMatchObject({
        id: user.user!.id,
        email: newEmail,
        emailVerified: true,
      });
      await attemptLogin(user.email).expect(401, /invalid_credentials/);
      const session = await login(t.http, newEmail);
      expect(await eventTypes(session.accessToken)).toContain('email_changed');
      await verify(token).expect(400, /invalid_link_token/);
      // The old address is free again.
      await registerUser(t.http, { email: user.email });
    });

    it('should refuse an address another account has with 409 email_taken, whatever its case', async () => {
      const user = await registerWithMail();
      const other = await registerWithMail();

      for (const newEmail of [other.email, other.email.toUpperCase(), ` ${other.email} `]) {
        const response = await changeEmail(user.accessToken, {
          newEmail,
          currentPassword: PASSWORD,
        }).expect(409);
        expect(response.body).toMatchObject({ code: 'email_taken', status: 409 });
      }
    });

    it('should refuse a wrong current password with 401 invalid_credentials and send nothing', async () => {
      const user = await registerWithMail();
      const newEmail = uniqueEmail('moved');

      const response = await changeEmail(user.accessToken, {
        newEmail,
        currentPassword: 'not the password!',
      }).expect(401);

      expect(response.body).toMatchObject({ code: 'invalid_credentials' });
      // A later, accepted request to another address: its mails come after any of the refused one.
      const later = uniqueEmail('later');
      await changeEmail(user.accessToken, { newEmail: later, currentPassword: PASSWORD }).expect(
        202,
      );
      await confirmationMail(later);
      await sink.waitForMail({ to: user.email, subject: NOTICE_SUBJECT }, MAIL_TIMEOUT);
      expect(mailsTo(sink, newEmail)).toEqual([]);
      expect(mailsTo(sink, user.email, NOTICE_SUBJECT)).toHaveLength(1);
    });

    it('should let a new request replace the previous one', async () => {
      const user = await registerWithMail();
      const first = uniqueEmail('first');
      const second = uniqueEmail('second');
      await changeEmail(user.accessToken, { newEmail: first, currentPassword: PASSWORD }).expect(
        202,
      );
      const firstToken = tokenIn(await confirmationMail(first));

      await changeEmail(user.accessToken, { newEmail: second, currentPassword: PASSWORD }).expect(
        202,
      );
      const secondToken = tokenIn(await confirmationMail(second));

      await verify(firstToken).expect(400, /invalid_link_token/);
      await me(user.accessToken).expect(200, new RegExp(`"email":"${user.email}"`));
      await verify(secondToken).expect(200);
      await me(user.accessToken).expect(200, new RegExp(`"email":"${second}"`));
      // The first address was never taken.
      await registerUser(t.http, { email: first });
    });

    it('should refuse the link once another account has taken the new address, without a 500', async () => {
      const user = await registerWithMail();
      const newEmail = uniqueEmail('contested');
      await changeEmail(user.accessToken, { newEmail, currentPassword: PASSWORD }).expect(202);
      const token = tokenIn(await confirmationMail(newEmail));
      await registerUser(t.http, { email: newEmail });

      const response = await verify(token);

      expect(response.status).toBe(409);
      expect(response.body).toMatchObject({ code: 'email_taken' });
      await me(user.accessToken).expect(200, new RegExp(`"email":"${user.email}"`));
    });

    it('should refuse an expired link (EMAIL_VERIFICATION_TTL) and keep the old address', async () => {
      const user = await registerWithMail();
      const newEmail = uniqueEmail('late');
      await changeEmail(user.accessToken, { newEmail, currentPassword: PASSWORD }).expect(202);
      const token = tokenIn(await confirmationMail(newEmail));

      setClockAhead(t.app, 24 * 3600 + 60);
      try {
        await verify(token).expect(400, /invalid_link_token/);
      } finally {
        jest.restoreAllMocks();
      }

      await me(user.accessToken).expect(200, new RegExp(`"email":"${user.email}"`));
      await attemptLogin(newEmail).expect(401);
    });

    it('should end the links sent to the old address once the account has moved', async () => {
      const user = await registerWithMail();
      await t.http.post('/auth/password/forgot').send({ email: user.email }).expect(202);
      const resetToken = tokenIn(
        await sink.waitForMail({ to: user.email, subject: RESET_SUBJECT }, MAIL_TIMEOUT),
      );
      const newEmail = uniqueEmail('moved');
      await changeEmail(user.accessToken, { newEmail, currentPassword: PASSWORD }).expect(202);
      await verify(tokenIn(await confirmationMail(newEmail))).expect(200);

      await verify(user.verificationToken).expect(400, /invalid_link_token/);
      await t.http
        .post('/auth/password/reset')
        .send({ token: resetToken, newPassword: 'a reset through the old address' })
        .expect(400, /invalid_link_token/);
      await login(t.http, newEmail);
    });

    it.each<[string, Record<string, unknown>]>([
      ['the current address', {}],
      ['the current address in capitals', { upperCase: true }],
      ['not an email', { newEmail: 'not an email' }],
      ['a missing password', { currentPassword: undefined }],
      ['a number as address', { newEmail: 42 }],
    ])('should refuse %s with 400 validation_failed', async (_case, overrides) => {
      const user = await registerWithMail();

      const { upperCase, ...body } = overrides;
      const response = await changeEmail(user.accessToken, {
        newEmail: upperCase ? user.email.toUpperCase() : user.email,
        currentPassword: PASSWORD,
        ...body,
      }).expect(400);

      expect(response.body).toMatchObject({ code: 'validation_failed' });
    });

    it('should need an access token', async () => {
      await t.http
        .post('/users/me/email')
        .send({ newEmail: uniqueEmail(), currentPassword: PASSWORD })
        .expect(401, /invalid_access_token/);
    });
  });

  describe('DELETE /users/me', () => {
    function deleteAccount(accessToken: string, body: Record<string, unknown>) {
      return t.http.delete('/users/me').auth(accessToken, { type: 'bearer' }).send(body);
    }

    it('should delete the account and stop its tokens at once', async () => {
      const user = await registerWithMail();
      const other = await login(t.http, user.email);

      const response = await deleteAccount(user.accessToken, { currentPassword: PASSWORD }).expect(
        204,
      );

      expect(response.text).toBe('');
      for (const session of [user, other]) {
        await me(session.accessToken).expect(401);
        await refreshWithBody(t.http, session.refreshToken).expect(401, /session_revoked/);
      }
      await attemptLogin(user.email).expect(401, /invalid_credentials/);
    });

    it('should let the address register again, as a new user whose old links do nothing', async () => {
      const user = await registerWithMail();
      await t.http.post('/auth/password/forgot').send({ email: user.email }).expect(202);
      const resetToken = tokenIn(
        await sink.waitForMail({ to: user.email, subject: RESET_SUBJECT }, MAIL_TIMEOUT),
      );
      await deleteAccount(user.accessToken, { currentPassword: PASSWORD }).expect(204);

      const again = await registerWithMail({ email: user.email });

      expect(again.user!.id).not.toBe(user.user!.id);
      expect(again.user).toMatchObject({ email: user.email, emailVerified: false });
      await verify(user.verificationToken).expect(400, /invalid_link_token/);
      await me(again.accessToken).expect(200, /"emailVerified":false/);
      await t.http
        .post('/auth/password/reset')
        .send({ token: resetToken, newPassword: 'a takeover passphrase' })
        .expect(400, /invalid_link_token/);
      await attemptLogin(user.email).expect(200);
      await verify(again.verificationToken).expect(200);
    });

    it('should refuse a wrong password with 401 invalid_credentials and delete nothing', async () => {
      const user = await registerWithMail();

      const response = await deleteAccount(user.accessToken, {
        currentPassword: 'not the password!',
      }).expect(401);

      expect(response.body).toMatchObject({ code: 'invalid_credentials' });
      await me(user.accessToken).expect(200);
      await refreshWithBody(t.http, user.refreshToken).expect(200);
      await attemptLogin(user.email).expect(200);
    });

    it('should refuse a body without the password with 400 validation_failed', async () => {
      const user = await registerWithMail();

      await deleteAccount(user.accessToken, {}).expect(400, /validation_failed/);
      await t.http
        .delete('/users/me')
        .auth(user.accessToken, { type: 'bearer' })
        .expect(400, /validation_failed/);
      await me(user.accessToken).expect(200);
    });
  });

  describe('mail header injection', () => {
    it('should not let a display name add a recipient or a header', async () => {
      const email = uniqueEmail('display');

      const response = await t.http.post('/auth/register').send({
        email,
        password: PASSWORD,
        displayName: `Eve\r\nBcc: ${EVIL}`,
        transport: 'body',
      });

      expect([201, 400]).toContain(response.status);
      const marker = await registerWithMail();
      if (response.status === 201) {
        const mail = await sink.waitForMail({ to: email, subject: VERIFY_SUBJECT }, MAIL_TIMEOUT);
        expect(mail.envelope.to).toEqual([email]);
      }
      await changeEmail(marker.accessToken, {
        newEmail: uniqueEmail('marker'),
        currentPassword: PASSWORD,
      }).expect(202);
      await sink.waitForMail({ to: marker.email, subject: NOTICE_SUBJECT }, MAIL_TIMEOUT);
      expect(mailsTo(sink, EVIL)).toEqual([]);
      for (const mail of sink.messages) {
        expect(rawHeaders(mail)).not.toMatch(/^bcc:/im);
        expect(mail.envelope.to).toHaveLength(1);
      }
    });

    it.each([
      ['CR LF', `new-${Date.now()}@example.com\r\nBcc: ${EVIL}`],
      ['LF', `new-${Date.now()}@example.com\nBcc: ${EVIL}`],
      ['CR', `new-${Date.now()}@example.com\rBcc: ${EVIL}`],
      ['an encoded CR LF', `new-${Date.now()}@example.com%0d%0aBcc:${EVIL}`],
      ['a comma list', `new-${Date.now()}@example.com, ${EVIL}`],
    ])(
      'should refuse an email change to an address with %s and mail no one',
      async (_case, newEmail) => {
        const user = await registerWithMail();

        const response = await changeEmail(user.accessToken, {
          newEmail,
          currentPassword: PASSWORD,
        });

        expect(response.status).toBe(400);
        expect(response.body).toMatchObject({ code: 'validation_failed' });
        const later = uniqueEmail('later');
        await changeEmail(user.accessToken, { newEmail: later, currentPassword: PASSWORD }).expect(
          202,
        );
        await confirmationMail(later);
        await sink.waitForMail({ to: user.email, subject: NOTICE_SUBJECT }, MAIL_TIMEOUT);
        expect(mailsTo(sink, EVIL)).toEqual([]);
        expect(mailsTo(sink, user.email, NOTICE_SUBJECT)).toHaveLength(1);
        for (const mail of sink.messages) {
          expect(rawHeaders(mail)).not.toMatch(/^bcc:/im);
        }
      },
    );

    it('should refuse a registration or a forgot-password request for an address with CR LF', async () => {
      const injected = `victim-${Date.now()}@example.com\r\nBcc: ${EVIL}`;

      await t.http
        .post('/auth/register')
        .send({ email: injected, password: PASSWORD })
        .expect(400, /validation_failed/);
      await t.http
        .post('/auth/password/forgot')
        .send({ email: injected })
        .expect(400, /validation_failed/);

      // Mail leaves in order: once a later one is here, an injected one would be too.
      await registerWithMail();
      expect(mailsTo(sink, EVIL)).toEqual([]);
    });
  });
});
