import { PasswordHasher } from 'src/users/password-hasher';
import { login, PASSWORD, refreshWithBody, registerUser } from 'test/support/factories';
import { startTestApp, type TestApp } from 'test/support/test-app';

const NEW_PASSWORD = 'an entirely new passphrase';

describe('POST /users/me/password', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  function changePassword(accessToken: string, body: Record<string, unknown>) {
    return t.http.post('/users/me/password').auth(accessToken, { type: 'bearer' }).send(body);
  }

  it('should change the password and end every other session, keeping this one', async () => {
    const user = await registerUser(t.http);
    const laptop = await login(t.http, user.email);
    const tablet = await login(t.http, user.email);

    await changePassword(user.accessToken, {
      currentPassword: PASSWORD,
      newPassword: NEW_PASSWORD,
    }).expect(204);

    for (const other of [laptop, tablet]) {
      await t.http.get('/users/me').auth(other.accessToken, { type: 'bearer' }).expect(401);
      await refreshWithBody(t.http, other.refreshToken).expect(401, /session_revoked/);
    }
    await t.http.get('/users/me').auth(user.accessToken, { type: 'bearer' }).expect(200);
    await refreshWithBody(t.http, user.refreshToken).expect(200);
  });

  it('should refuse the old password at login afterwards and accept the new one', async () => {
    const user = await registerUser(t.http);
    await changePassword(user.accessToken, {
      currentPassword: PASSWORD,
      newPassword: NEW_PASSWORD,
    }).expect(204);

    await t.http
      .post('/auth/login')
      .send({ email: user.email, password: PASSWORD })
      .expect(401, /invalid_credentials/);
    await t.http
      .post('/auth/login')
      .send({ email: user.email, password: NEW_PASSWORD })
      .expect(200);
  });

  it('should refuse a wrong current password and change nothing', async () => {
    const user = await registerUser(t.http);
    const other = await login(t.http, user.email);

    const response = await changePassword(user.accessToken, {
      currentPassword: 'not the password at all',
      newPassword: NEW_PASSWORD,
    }).expect(401);

    expect(response.body).toMatchObject({ code: 'invalid_credentials' });
    await t.http.post('/auth/login').send({ email: user.email, password: PASSWORD }).expect(200);
    await refreshWithBody(t.http, other.refreshToken).expect(200);
  });

  it.each([
    ['a common new password', { newPassword: 'iloveyou123' }, 'newPassword'],
    ['a short new password', { newPassword: 'short' }, 'newPassword'],
    ['the current password again', { newPassword: PASSWORD }, 'newPassword'],
    ['a missing current password', { currentPassword: undefined }, 'currentPassword'],
    ['an unknown property', { confirm: NEW_PASSWORD }, 'confirm'],
  ])('should refuse %s with validation_failed', async (_case, overrides, field) => {
    const user = await registerUser(t.http);

    const response = await changePassword(user.accessToken, {
      currentPassword: PASSWORD,
      newPassword: NEW_PASSWORD,
      ...overrides,
    }).expect(400);

    expect(response.body).toMatchObject({
      code: 'validation_failed',
      errors: [expect.objectContaining({ field }) as unknown],
    });
    await t.http.post('/auth/login').send({ email: user.email, password: PASSWORD }).expect(200);
  });

  describe('racing other requests', () => {
    afterEach(() => {
      jest.restoreAllMocks();
    });

    /**
     * Holds the next password verification, once it has its answer, until `release()`: a slow
     * argon2 check, as a request racing it sees it.
     */
    function holdNextVerification(): { verified: Promise<void>; release: () => void } {
      const hasher = t.app.get(PasswordHasher);
      const verify = hasher.verify.bind(hasher);
      let markVerified!: () => void;
      let release!: () => void;
      const verified = new Promise<void>((resolve) => (markVerified = resolve));
      const released = new Promise<void>((resolve) => (release = resolve));
      jest.spyOn(hasher, 'verify').mockImplementationOnce(async (...args) => {
        const valid = await verify(...args);
        markVerified();
        await released;
        return valid;
      });
      return { verified, release };
    }

    function startLogin(email: string, password: string) {
      return t.http
        .post('/auth/login')
        .send({ email, password, transport: 'body' })
        .then((response) => response);
    }

    /** A login with the old password, whose check passes just before the password changes. */
    async function loginAcrossPasswordChange(user: { email: string; accessToken: string }) {
      const held = holdNextVerification();
      const oldLogin = startLogin(user.email, PASSWORD);
      await held.verified;
      await changePassword(user.accessToken, {
        currentPassword: PASSWORD,
        newPassword: NEW_PASSWORD,
      }).expect(204);
      held.release();
      return oldLogin;
    }

    it('should not let a login with the old password, checked before the change, open a session', async () => {
      const user = await registerUser(t.http);

      const response = await loginAcrossPasswordChange(user);

      expect(response.status).toBe(401);
      expect(response.body).toMatchObject({ code: 'invalid_credentials' });
      const sessions = await t.http
        .get('/sessions')
        .auth(user.accessToken, { type: 'bearer' })
        .expect(200);
      expect(sessions.body).toHaveLength(1);
    });

    it('should let only the first of two racing password changes win', async () => {
      const user = await registerUser(t.http);
      const other = await login(t.http, user.email);
      const held = holdNextVerification();
      const slower = changePassword(user.accessToken, {
        currentPassword: PASSWORD,
        newPassword: NEW_PASSWORD,
      }).then((response) => response);
      await held.verified;

      await changePassword(other.accessToken, {
        currentPassword: PASSWORD,
        newPassword: 'the winning passphrase',
      }).expect(204);
      held.release();

      expect((await slower).body).toMatchObject({ status: 401, code: 'invalid_credentials' });
      await t.http.get('/users/me').auth(other.accessToken, { type: 'bearer' }).expect(200);
      expect((await startLogin(user.email, 'the winning passphrase')).status).toBe(200);
      expect((await startLogin(user.email, NEW_PASSWORD)).status).toBe(401);
    });

    it('should not let a rehash at login put back the password that a change replaced', async () => {
      const user = await registerUser(t.http);
      jest.spyOn(t.app.get(PasswordHasher), 'needsRehash').mockReturnValue(true);

      await loginAcrossPasswordChange(user);

      expect((await startLogin(user.email, NEW_PASSWORD)).status).toBe(200);
      expect((await startLogin(user.email, PASSWORD)).status).toBe(401);
    });
  });

  it('should require an access token', async () => {
    await t.http
      .post('/users/me/password')
      .send({ currentPassword: PASSWORD, newPassword: NEW_PASSWORD })
      .expect(401, /invalid_access_token/);
  });
});
