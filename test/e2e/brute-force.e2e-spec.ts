import { setClockAhead } from 'test/support/clock';
import { setCookies } from 'test/support/cookies';
import { PASSWORD, registerUser, uniqueEmail } from 'test/support/factories';
import { claimsOf } from 'test/support/jwt';
import { startTestApp, type TestApp } from 'test/support/test-app';

const BACKOFF_AFTER = 5;
const WRONG = 'not the password!';

/** Responses by status: how many of the attempts had their password checked, and how many waited. */
function tally(statuses: number[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const status of statuses) {
    counts[status] = (counts[status] ?? 0) + 1;
  }
  return counts;
}

describe('brute force', () => {
  let t: TestApp;

  beforeAll(async () => {
    // One proxy in front: X-Forwarded-For names the client, so a spec can come from many addresses.
    t = await startTestApp({
      TRUST_PROXY: '1',
      LOGIN_BACKOFF_AFTER: String(BACKOFF_AFTER),
      LOGIN_BACKOFF_MAX: '60s',
      RATE_LIMIT_PASSWORD_CHECK: '10/15m',
    });
  });

  afterAll(async () => {
    await t.close();
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  /** Stops the application's clock: no backoff wait ends while a spec's requests are in flight. */
  function freezeClock(): void {
    setClockAhead(t.app, 0);
  }

  function login(
    email: string,
    password: string,
    { ip = '203.0.113.1', deviceToken }: { ip?: string; deviceToken?: string } = {},
  ) {
    return t.http
      .post('/auth/login')
      .set('X-Forwarded-For', ip)
      .send({ email, password, transport: 'body', deviceToken });
  }

  describe('concurrent guesses for one account', () => {
    it('should check at most LOGIN_BACKOFF_AFTER + 2 passwords of 200 guesses from 20 addresses', async () => {
      const { email } = await registerUser(t.http);
      freezeClock();

      const statuses = await Promise.all(
        Array.from({ length: 200 }, async (_, i) => {
          const response = await login(email, `${WRONG} ${i}`, { ip: `198.51.100.${i % 20}` });
          return response.status;
        }),
      );

      const counts = tally(statuses);
      expect(Object.keys(counts).sort()).toEqual(['401', '429']);
      expect(counts[401]).toBeLessThanOrEqual(BACKOFF_AFTER + 2);
      expect(counts[401]).toBeGreaterThanOrEqual(BACKOFF_AFTER);
      // The wait holds for the right password too.
      await login(email, PASSWORD).expect(429);
    });

    it('should treat an email without an account alike', async () => {
      const email = uniqueEmail('nobody');
      freezeClock();

      const statuses = await Promise.all(
        Array.from({ length: 60 }, async (_, i) => (await login(email, `${WRONG} ${i}`)).status),
      );

      expect(tally(statuses)[401]).toBeLessThanOrEqual(BACKOFF_AFTER + 2);
    });
  });

  describe('the current password outside login', () => {
    it('should check at most RATE_LIMIT_PASSWORD_CHECK of 300 concurrent guesses with one access token', async () => {
      const user = await registerUser(t.http);
      freezeClock();
      const guesses = Array.from({ length: 300 }, (_, i) => `${WRONG} ${i}`);
      guesses.push(user.password);

      const statuses = await Promise.all(
        guesses.map(async (currentPassword, i) => {
          const response = await t.http
            .post('/users/me/password')
            .set('X-Forwarded-For', `198.51.100.${i % 30}`)
            .auth(user.accessToken, { type: 'bearer' })
            .send({ currentPassword, newPassword: 'the attacker now owns this' });
          return response.status;
        }),
      );

      const counts = tally(statuses);
      expect(statuses.length - counts[429]).toBeLessThanOrEqual(BACKOFF_AFTER + 2);
      expect(counts[204] ?? 0).toBeLessThanOrEqual(1);
      if (!counts[204]) {
        // The right guess was held with the others: the password is still the owner's, and the
        // owner's device gets in despite the backoff the guesses caused.
        await login(user.email, user.password, { deviceToken: user.deviceToken }).expect(200);
      }
    });

    it("should stop a user's password checks at RATE_LIMIT_PASSWORD_CHECK, whatever the address", async () => {
      const user = await registerUser(t.http);
      for (let i = 0; i < 10; i++) {
        await t.http
          .post('/users/me/password')
          .set('X-Forwarded-For', `198.51.100.${i}`)
          .auth(user.accessToken, { type: 'bearer' })
          .send({ currentPassword: user.password, newPassword: PASSWORD })
          .expect(400);
      }

      const limited = await t.http
        .post('/users/me/password')
        .auth(user.accessToken, { type: 'bearer' })
        .send({ currentPassword: user.password, newPassword: 'a brand new passphrase' })
        .expect(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    });

    it('should count a wrong current password toward the account backoff', async () => {
      const user = await registerUser(t.http);
      for (let i = 0; i < BACKOFF_AFTER; i++) {
        await t.http
          .post('/users/me/password')
          .auth(user.accessToken, { type: 'bearer' })
          .send({ currentPassword: `${WRONG} ${i}`, newPassword: 'a brand new passphrase' })
          .expect(401, /invalid_credentials/);
      }

      await login(user.email, PASSWORD).expect(429);
    });
  });

  describe('device tokens', () => {
    /** Floods the account from addresses the owner does not use, until its logins must wait. */
    async function flood(email: string): Promise<void> {
      for (let i = 0; i < BACKOFF_AFTER; i++) {
        await login(email, `${WRONG} ${i}`, { ip: '192.0.2.66' }).expect(401);
      }
      await login(email, PASSWORD, { ip: '192.0.2.66' }).expect(429);
    }

    it('should hand out a device token with every sign-in, in the body for the body transport', async () => {
      const user = await registerUser(t.http);
      const response = await login(user.email, PASSWORD).expect(200);

      expect(user.deviceToken).toEqual(expect.any(String));
      expect(response.body.deviceToken).toEqual(expect.any(String));
      expect(response.body.deviceToken).not.toBe(user.deviceToken);
      expect(setCookies(response.headers)).toEqual([]);
      expect(claimsOf(response.body.deviceToken as string).sub).toBe(user.user!.id);
    });

    it('should set it as an HttpOnly, Secure, SameSite=Strict cookie on /auth for a year, never in the body, in the cookie transport', async () => {
      const { email } = await registerUser(t.http);
      const response = await t.http.post('/auth/login').send({ email, password: PASSWORD });

      const device = setCookies(response.headers).find((cookie) => cookie.name === 'device');
      expect(device?.attributes).toEqual({
        'max-age': '31536000',
        path: '/auth',
        httponly: true,
        secure: true,
        samesite: 'Strict',
      });
      expect(response.body).not.toHaveProperty('deviceToken');
    });

    it("should let the owner's known device in while the account is flooded, and no other", async () => {
      const user = await registerUser(t.http);
      await flood(user.email);

      await login(user.email, PASSWORD, { deviceToken: user.deviceToken }).expect(200);
      // Without it, or with a token of another account, the account's wait applies.
      const other = await registerUser(t.http);
      await flood(user.email);
      await login(user.email, PASSWORD).expect(429);
      await login(user.email, PASSWORD, { deviceToken: other.deviceToken }).expect(429);
      await login(user.email, PASSWORD, { deviceToken: user.refreshToken }).expect(429);
      await login(user.email, PASSWORD, { deviceToken: user.deviceToken }).expect(200);
    });

    it('should accept the device cookie in the cookie transport', async () => {
      const { email } = await registerUser(t.http);
      const first = await t.http
        .post('/auth/login')
        .send({ email, password: PASSWORD })
        .expect(200);
      const device = setCookies(first.headers).find((cookie) => cookie.name === 'device')!;
      await flood(email);

      await t.http
        .post('/auth/login')
        .set('Cookie', `device=${device.value}`)
        .send({ email, password: PASSWORD })
        .expect(200);
    });

    it('should hold a device token by its own count, which locks that token alone', async () => {
      const user = await registerUser(t.http);
      const second = (await login(user.email, PASSWORD).expect(200)).body.deviceToken as string;
      for (let i = 0; i < BACKOFF_AFTER; i++) {
        await login(user.email, `${WRONG} ${i}`, { deviceToken: user.deviceToken }).expect(401);
      }

      await login(user.email, PASSWORD, { deviceToken: user.deviceToken }).expect(429);
      // The account itself was not counted, and the owner's other device is not held.
      await login(user.email, PASSWORD, { deviceToken: second }).expect(200);
      await login(user.email, PASSWORD).expect(200);
    });
  });
});
