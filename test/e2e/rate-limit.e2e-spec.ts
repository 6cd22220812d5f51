import { getStorageToken } from '@nestjs/throttler';

import { FixedWindowThrottlerStorage } from 'src/rate-limit/fixed-window-storage';

import { registerUser, uniqueEmail } from 'test/support/factories';
import { startTestApp, type TestApp } from 'test/support/test-app';

function wrongLogin(t: TestApp, email: string, forwardedFor?: string) {
  const request = t.http.post('/auth/login').send({ email, password: 'not the password!' });
  return forwardedFor ? request.set('X-Forwarded-For', forwardedFor) : request;
}

describe('rate limits', () => {
  describe('with the default proxy setting', () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await startTestApp({
        RATE_LIMIT_LOGIN: '3/60s',
        RATE_LIMIT_REFRESH: '4/60s',
        RATE_LIMIT_GLOBAL: '40/60s',
      });
    });

    afterAll(async () => {
      await t.close();
    });

    it('should limit login attempts per IP and email with 429, Retry-After and too_many_requests', async () => {
      const email = uniqueEmail();
      for (let i = 0; i < 3; i++) {
        await wrongLogin(t, email).expect(401);
      }

      const limited = await wrongLogin(t, email.toUpperCase()).expect(429);

      expect(limited.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(limited.body).toMatchObject({ status: 429, code: 'too_many_requests' });
      const retryAfter = Number(limited.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);
      // Another account from the same client is counted apart.
      await wrongLogin(t, uniqueEmail()).expect(401);
    });

    it('should count registrations under the login limit', async () => {
      const email = uniqueEmail();
      await t.http
        .post('/auth/register')
        .send({ email, password: 'a perfectly fine passphrase' })
        .expect(201);
      await t.http
        .post('/auth/register')
        .send({ email, password: 'a perfectly fine passphrase' })
        .expect(409);
      await wrongLogin(t, email).expect(401);

      await wrongLogin(t, email).expect(429);
    });

    it('should not believe X-Forwarded-For unless TRUST_PROXY says so', async () => {
      const email = uniqueEmail();
      for (let i = 0; i < 3; i++) {
        await wrongLogin(t, email, `198.51.100.${i}`).expect(401);
      }

      await wrongLogin(t, email, '198.51.100.99').expect(429);
    });

    it('should limit refreshes per IP', async () => {
      const user = await registerUser(t.http);
      let token = user.refreshToken;
      for (let i = 0; i < 4; i++) {
        const response = await t.http
          .post('/auth/refresh')
          .send({ refreshToken: token })
          .expect(200);
        token = (response.body as { refreshToken: string }).refreshToken;
      }

      await t.http
        .post('/auth/refresh')
        .send({ refreshToken: token })
        .expect(429, /too_many_requests/);
    });

    it('should limit all requests per IP, but never the health checks', async () => {
      let status = 200;
      for (let i = 0; i < 60 && status !== 429; i++) {
        status = (await t.http.get('/.well-known/jwks.json')).status;
      }

      expect(status).toBe(429);
      await t.http.get('/health/live').expect(200);
      await t.http.get('/health/ready').expect(200);
    });
  });

  describe('behind a trusted proxy', () => {
    let t: TestApp;

    beforeAll(async () => {
      t = await startTestApp({ RATE_LIMIT_LOGIN: '2/60s', TRUST_PROXY: 'true' });
    });

    afterAll(async () => {
      await t.close();
    });

    it('should count each forwarded client address apart', async () => {
      const email = uniqueEmail();
      await wrongLogin(t, email, '203.0.113.1').expect(401);
      await wrongLogin(t, email, '203.0.113.1').expect(401);
      await wrongLogin(t, email, '203.0.113.1').expect(429);

      await wrongLogin(t, email, '203.0.113.2').expect(401);
    });
  });

  it('should stop the in-process counters when the application shuts down', async () => {
    const t = await startTestApp({ REDIS_URL: '' });
    const storage = t.app.get(getStorageToken());
    expect(storage).toBeInstanceOf(FixedWindowThrottlerStorage);
    const stopped = jest.spyOn(storage as FixedWindowThrottlerStorage, 'onApplicationShutdown');

    await t.close();

    // Its sweep timer would otherwise keep the whole application in memory.
    expect(stopped).toHaveBeenCalledTimes(1);
  });
});
