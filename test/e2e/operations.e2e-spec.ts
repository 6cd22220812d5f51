import { DataSource } from 'typeorm';

import { UsersService } from 'src/users/users.service';

import { refreshCookie } from 'test/support/cookies';
import { PASSWORD, uniqueEmail, type TokenResponse } from 'test/support/factories';
import { startTestApp, type TestApp } from 'test/support/test-app';

describe('operations', () => {
  describe('logs', () => {
    const lines: string[] = [];
    let t: TestApp;

    beforeAll(async () => {
      t = await startTestApp(
        { LOG_LEVEL: 'info' },
        { logDestination: { write: (line: string) => lines.push(line) } },
      );
    });

    afterAll(async () => {
      await t.close();
    });

    it('should write one JSON line per request with its request id, and never a secret', async () => {
      const email = uniqueEmail();
      const secrets: string[] = [PASSWORD, 'a changed passphrase'];
      const register = await t.http
        .post('/auth/register')
        .send({ email, password: PASSWORD })
        .expect(201);
      const cookie = refreshCookie(register.headers)!.value;
      const { accessToken } = register.body as TokenResponse;
      const refreshed = await t.http
        .post('/auth/refresh')
        .set('Cookie', `refresh_token=${cookie}`)
        .expect(200);
      // A client that misplaces its token in the query string.
      const me = await t.http
        .get(`/users/me?access_token=${accessToken}`)
        .auth(accessToken, { type: 'bearer' })
        .set('X-Request-Id', 'trace-42');
      await t.http
        .post('/users/me/password')
        .auth(accessToken, { type: 'bearer' })
        .send({ currentPassword: PASSWORD, newPassword: secrets[1] })
        .expect(204);
      await t.http.post('/auth/login').send({ email, password: 'a wrong guess!' }).expect(401);
      secrets.push(accessToken, cookie, refreshCookie(refreshed.headers)!.value);

      const requests = lines
        .map((line) => JSON.parse(line) as { msg: string; reqId?: string; req?: { url: string } })
        .filter((entry) => entry.msg === 'request completed');
      expect(requests.map((entry) => entry.req?.url)).toEqual([
        '/auth/register',
        '/auth/refresh',
        '/users/me',
        '/users/me/password',
        '/auth/login',
      ]);
      expect(requests[0].reqId).toBe(register.headers['x-request-id']);
      expect(requests[2].reqId).toBe('trace-42');
      expect(me.headers['x-request-id']).toBe('trace-42');
      const everything = lines.join('\n');
      for (const secret of secrets) {
        expect(everything).not.toContain(secret);
      }
      expect(everything).not.toMatch(/argon2id|authorization|"cookie"/i);
    });
  });

  describe('graceful shutdown', () => {
    it('should finish a request in flight, then stop accepting and close its pools', async () => {
      const t = await startTestApp();
      const email = uniqueEmail();
      await t.http.post('/auth/register').send({ email, password: PASSWORD }).expect(201);

      // Hold a login inside the service until the shutdown has begun.
      const users = t.app.get(UsersService);
      const verify = users.checkPassword.bind(users);
      let arrived!: () => void;
      let release!: () => void;
      const inService = new Promise<void>((resolve) => (arrived = resolve));
      const held = new Promise<void>((resolve) => (release = resolve));
      jest.spyOn(users, 'checkPassword').mockImplementation(async (...args) => {
        arrived();
        await held;
        return verify(...args);
      });

      const inFlight = fetch(`${t.url}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: PASSWORD }),
      });
      await inService;
      let closed = false;
      const closing = t.close().then(() => (closed = true));
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(closed).toBe(false);

      release();
      const response = await inFlight;
      await closing;

      expect(response.status).toBe(200);
      expect(response.headers.get('connection')).toBe('close');
      await expect(fetch(`${t.url}/health/live`)).rejects.toThrow();
      expect(t.app.get(DataSource).isInitialized).toBe(false);
    });
  });
});
