import { setClockAhead } from 'test/support/clock';
import { PASSWORD, registerUser, uniqueEmail } from 'test/support/factories';
import { startTestApp, type TestApp } from 'test/support/test-app';

describe('per-account login backoff', () => {
  let t: TestApp;
  let offset = 0;

  beforeAll(async () => {
    // Backoff from the third consecutive failure, at most a minute.
    t = await startTestApp({ LOGIN_BACKOFF_AFTER: '3', LOGIN_BACKOFF_MAX: '60s' });
  });

  afterAll(async () => {
    await t.close();
  });

  afterEach(() => {
    jest.restoreAllMocks();
    offset = 0;
  });

  /** Moves the clock forward by `seconds` more than the last move. */
  function wait(seconds: number): void {
    offset += seconds;
    setClockAhead(t.app, offset);
  }

  function attempt(email: string, password = 'not the password!') {
    return t.http.post('/auth/login').send({ email, password });
  }

  async function retryAfterOf(email: string): Promise<number> {
    const response = await attempt(email, PASSWORD).expect(429);
    expect(response.body).toMatchObject({ code: 'too_many_requests' });
    return Number(response.headers['retry-after']);
  }

  it('should let the first failures through, then make each next attempt wait twice as long', async () => {
    const { email } = await registerUser(t.http);
    await attempt(email).expect(401);
    await attempt(email).expect(401);
    await attempt(email).expect(401);

    // Even the right password waits: the answer must not depend on it.
    expect(await retryAfterOf(email)).toBe(1);
    wait(1);
    await attempt(email).expect(401);
    expect(await retryAfterOf(email)).toBe(2);
    wait(2);
    await attempt(email).expect(401);
    expect(await retryAfterOf(email)).toBe(4);
    wait(4);
    await attempt(email).expect(401);
    expect(await retryAfterOf(email)).toBe(8);
  });

  it('should cap the wait at LOGIN_BACKOFF_MAX, so the owner always gets in after it', async () => {
    const { email } = await registerUser(t.http);
    for (let failure = 1; failure <= 10; failure++) {
      await attempt(email).expect(401);
      wait(60);
    }
    await attempt(email).expect(401);

    expect(await retryAfterOf(email)).toBe(60);
    wait(60);
    await attempt(email, PASSWORD).expect(200);
  });

  it('should reset after a successful login', async () => {
    const { email } = await registerUser(t.http);
    for (let failure = 1; failure <= 3; failure++) {
      await attempt(email).expect(401);
    }
    wait(1);
    await attempt(email, PASSWORD).expect(200);

    await attempt(email).expect(401);
    await attempt(email).expect(401);
    await attempt(email, PASSWORD).expect(200);
  });

  it('should not count attempts refused during a wait', async () => {
    const { email } = await registerUser(t.http);
    for (let failure = 1; failure <= 3; failure++) {
      await attempt(email).expect(401);
    }
    for (let refused = 0; refused < 5; refused++) {
      await attempt(email).expect(429);
    }

    wait(1);
    await attempt(email).expect(401);
    expect(await retryAfterOf(email)).toBe(2);
  });

  it('should treat an email without an account alike, so it does not tell which exist', async () => {
    const email = uniqueEmail('nobody');
    for (let failure = 1; failure <= 3; failure++) {
      await attempt(email).expect(401);
    }

    expect(await retryAfterOf(email)).toBe(1);
  });

  it('should count a wrong current password at a password change', async () => {
    const user = await registerUser(t.http);
    for (let failure = 1; failure <= 3; failure++) {
      await t.http
        .post('/users/me/password')
        .auth(user.accessToken, { type: 'bearer' })
        .send({ currentPassword: 'not the password!', newPassword: 'a brand new passphrase' })
        .expect(401, /invalid_credentials/);
    }

    await t.http
      .post('/users/me/password')
      .auth(user.accessToken, { type: 'bearer' })
      .send({ currentPassword: PASSWORD, newPassword: 'a brand new passphrase' })
      .expect(429);
    expect(await retryAfterOf(user.email)).toBe(1);
  });

  it('should forget a run of failures after a day without one', async () => {
    const { email } = await registerUser(t.http);
    await attempt(email).expect(401);
    await attempt(email).expect(401);

    wait(86_400 + 60);
    await attempt(email).expect(401);
    await attempt(email).expect(401);

    await attempt(email, PASSWORD).expect(200);
  });
});
