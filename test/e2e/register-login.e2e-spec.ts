import { refreshCookie } from 'test/support/cookies';
import { PASSWORD, registerUser, uniqueEmail, type TokenResponse } from 'test/support/factories';
import { claimsOf } from 'test/support/jwt';
import { startTestApp, type TestApp } from 'test/support/test-app';

describe('registration and login', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  describe('POST /auth/register', () => {
    it('should create the account, start a session and include the user', async () => {
      const email = uniqueEmail();

      const response = await t.http
        .post('/auth/register')
        .send({ email, password: PASSWORD, displayName: 'Ada Lovelace' })
        .expect(201);

      const body = response.body as TokenResponse;
      expect(body).toEqual({
        accessToken: expect.any(String) as unknown,
        tokenType: 'Bearer',
        expiresIn: 900,
        refreshExpiresIn: 604800,
        user: {
          id: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown,
          email,
          emailVerified: false,
          displayName: 'Ada Lovelace',
          roles: ['user'],
          createdAt: expect.any(String) as unknown,
          mfaEnabled: false,
        },
      });
      expect(refreshCookie(response.headers)).toBeDefined();
      expect(claimsOf(body.accessToken).sub).toBe(body.user!.id);
    });

    it('should store the email trimmed and lower-cased', async () => {
      const email = uniqueEmail('MixedCase');

      const response = await t.http
        .post('/auth/register')
        .send({ email: `  ${email.toUpperCase()} `, password: PASSWORD })
        .expect(201);

      expect((response.body as TokenResponse).user!.email).toBe(email.toLowerCase());
      expect((response.body as TokenResponse).user!.displayName).toBeNull();
    });

    it('should return the refresh token in the body and set no cookie with transport "body"', async () => {
      const response = await t.http
        .post('/auth/register')
        .send({ email: uniqueEmail(), password: PASSWORD, transport: 'body' })
        .expect(201);

      expect(response.body).toHaveProperty('refreshToken');
      expect(response.headers['set-cookie']).toBeUndefined();
    });

    it('should refuse an email that exists in another letter case with 409 email_taken', async () => {
      const { email } = await registerUser(t.http);

      const response = await t.http
        .post('/auth/register')
        .send({ email: email.toUpperCase(), password: PASSWORD })
        .expect(409);

      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.body).toEqual({
        type: 'about:blank',
        title: 'Conflict',
        status: 409,
        detail: expect.any(String) as unknown,
        code: 'email_taken',
      });
    });

    it('should let exactly one of two concurrent registrations of an email succeed', async () => {
      const email = uniqueEmail();

      const statuses = await Promise.all(
        [email, email.toUpperCase()].map(async (spelling) => {
          const response = await t.http
            .post('/auth/register')
            .send({ email: spelling, password: PASSWORD });
          return response.status;
        }),
      );

      expect(statuses.sort()).toEqual([201, 409]);
    });

    it('should refuse one of the most common passwords', async () => {
      const response = await t.http
        .post('/auth/register')
        .send({ email: uniqueEmail(), password: 'Password1' })
        .expect(400);

      expect(response.body).toMatchObject({
        code: 'validation_failed',
        errors: [{ field: 'password', message: expect.stringContaining('common') as unknown }],
      });
    });

    it.each([
      ['a password shorter than 8 characters', { password: 'short' }, 'password'],
      ['a password longer than 128 characters', { password: 'x'.repeat(129) }, 'password'],
      ['a password that is not a string', { password: 12345678 }, 'password'],
      ['an invalid email', { email: 'not-an-email' }, 'email'],
      ['a missing email', { email: undefined }, 'email'],
      ['an unknown transport', { transport: 'carrier-pigeon' }, 'transport'],
      ['an unknown property', { isAdmin: true }, 'isAdmin'],
      ['a display name over 100 characters', { displayName: 'x'.repeat(101) }, 'displayName'],
    ])('should refuse %s with validation_failed', async (_case, overrides, field) => {
      const response = await t.http
        .post('/auth/register')
        .send({ email: uniqueEmail(), password: PASSWORD, ...overrides })
        .expect(400);

      expect(response.body).toMatchObject({
        type: 'about:blank',
        status: 400,
        code: 'validation_failed',
        errors: expect.arrayContaining([expect.objectContaining({ field })]) as unknown,
      });
    });

    it('should count password length in characters, not bytes', async () => {
      await t.http
        .post('/auth/register')
        .send({ email: uniqueEmail(), password: '🔑🔑🔑🔑🔑🔑🔑' })
        .expect(400);
      await t.http
        .post('/auth/register')
        .send({ email: uniqueEmail(), password: 'ключ-ключ' })
        .expect(201);
    });
  });

  describe('POST /auth/login', () => {
    it('should start a new session for valid credentials', async () => {
      const user = await registerUser(t.http);

      const response = await t.http
        .post('/auth/login')
        .send({ email: user.email, password: PASSWORD, transport: 'body' })
        .expect(200);

      const body = response.body as TokenResponse;
      expect(body).toMatchObject({
        tokenType: 'Bearer',
        expiresIn: 900,
        user: { id: user.user!.id },
      });
      expect(claimsOf(body.accessToken).sid).not.toBe(claimsOf(user.accessToken).sid);
    });

    it('should match the email in any letter case and with surrounding spaces', async () => {
      const user = await registerUser(t.http);

      await t.http
        .post('/auth/login')
        .send({ email: ` ${user.email.toUpperCase()} `, password: PASSWORD })
        .expect(200);
    });

    it('should answer an unknown email and a wrong password with the same 401 body', async () => {
      const user = await registerUser(t.http);

      const wrongPassword = await t.http
        .post('/auth/login')
        .send({ email: user.email, password: 'not the right passphrase' })
        .expect(401);
      const unknownEmail = await t.http
        .post('/auth/login')
        .send({ email: uniqueEmail('nobody'), password: 'not the right passphrase' })
        .expect(401);

      expect(wrongPassword.body).toEqual({
        type: 'about:blank',
        title: 'Unauthorized',
        status: 401,
        detail: 'Invalid email or password.',
        code: 'invalid_credentials',
      });
      expect(unknownEmail.body).toEqual(wrongPassword.body);
      expect(unknownEmail.headers['content-type']).toBe(wrongPassword.headers['content-type']);
      expect(wrongPassword.headers['set-cookie']).toBeUndefined();
    });

    it('should refuse a login body without a password', async () => {
      const user = await registerUser(t.http);

      await t.http
        .post('/auth/login')
        .send({ email: user.email })
        .expect(400, /validation_failed/);
    });
  });

  describe('GET /users/me', () => {
    it('should return the profile of the access token owner', async () => {
      const user = await registerUser(t.http, { displayName: 'Grace' });

      const response = await t.http
        .get('/users/me')
        .auth(user.accessToken, { type: 'bearer' })
        .expect(200);

      expect(response.body).toEqual({
        id: user.user!.id,
        email: user.email,
        emailVerified: false,
        displayName: 'Grace',
        roles: ['user'],
        createdAt: user.user!.createdAt,
        mfaEnabled: false,
      });
      expect(JSON.stringify(response.body)).not.toMatch(/argon2|password/i);
    });

    it('should refuse a request without an access token', async () => {
      const response = await t.http.get('/users/me').expect(401);

      expect(response.body).toMatchObject({ code: 'invalid_access_token' });
      expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
    });
  });

  describe('PATCH /users/me', () => {
    it('should change the display name, answer the profile and record profile_updated', async () => {
      const user = await registerUser(t.http, { displayName: 'Grace' });

      const response = await t.http
        .patch('/users/me')
        .auth(user.accessToken, { type: 'bearer' })
        .send({ displayName: '  Grace Hopper ' })
        .expect(200);

      expect(response.body).toMatchObject({ id: user.user!.id, displayName: 'Grace Hopper' });
      const me = await t.http.get('/users/me').auth(user.accessToken, { type: 'bearer' });
      expect(me.body.displayName).toBe('Grace Hopper');
      const events = await t.http
        .get('/users/me/events')
        .auth(user.accessToken, { type: 'bearer' });
      expect(events.body[0]).toMatchObject({ type: 'profile_updated' });
    });

    it('should remove the display name with null', async () => {
      const user = await registerUser(t.http, { displayName: 'Grace' });

      const response = await t.http
        .patch('/users/me')
        .auth(user.accessToken, { type: 'bearer' })
        .send({ displayName: null })
        .expect(200);

      expect(response.body.displayName).toBeNull();
    });

    it.each([
      [{}, 'displayName must be a string'],
      [{ displayName: 42 }, 'displayName must be a string'],
      [{ displayName: '' }, 'displayName must be longer than or equal to 1 characters'],
      [
        { displayName: 'x'.repeat(101) },
        'displayName must be shorter than or equal to 100 characters',
      ],
      [{ displayName: 'a\u0007b' }, 'displayName must not contain control characters'],
      [{ displayName: 'Grace', email: 'other@example.com' }, 'property email should not exist'],
    ])('should refuse %j', async (body, message) => {
      const user = await registerUser(t.http);

      const response = await t.http
        .patch('/users/me')
        .auth(user.accessToken, { type: 'bearer' })
        .send(body)
        .expect(400);

      expect(response.body.errors).toEqual([expect.objectContaining({ message })]);
    });
  });
});
