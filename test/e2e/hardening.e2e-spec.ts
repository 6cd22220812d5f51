import { DataSource } from 'typeorm';

import {
  cookieLogin,
  PASSWORD,
  registerUser,
  uniqueEmail,
  type TokenResponse,
} from 'test/support/factories';
import { sessionIdOf } from 'test/support/jwt';
import { startTestApp, type TestApp } from 'test/support/test-app';
import { within } from 'test/support/within';

describe('hardening', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ TRUST_PROXY: '1' });
  });

  afterAll(async () => {
    await t.close();
  });

  async function eventsOf(accessToken: string): Promise<{ type: string; ip: string | null }[]> {
    const response = await t.http
      .get('/users/me/events')
      .auth(accessToken, { type: 'bearer' })
      .expect(200);
    return response.body as { type: string; ip: string | null }[];
  }

  describe('bodies of unknown keys', () => {
    it('should refuse thousands of unknown keys cheaply, with at most 20 errors', async () => {
      const body: Record<string, unknown> = { email: uniqueEmail(), password: PASSWORD };
      for (let i = 0; i < 1500; i++) {
        body[i] = 0;
      }

      const response = await t.http.post('/auth/login').send(body).expect(400);

      expect(response.body).toMatchObject({ code: 'validation_failed' });
      expect(response.body.errors.length).toBeLessThanOrEqual(20);
      expect(response.text.length).toBeLessThan(2_000);
    });

    it('should list at most 20 errors for a body of many unknown keys under the value limit', async () => {
      const body: Record<string, unknown> = { email: uniqueEmail(), password: PASSWORD };
      for (let i = 0; i < 60; i++) {
        body[`k${i}`] = i;
      }

      const response = await t.http.post('/auth/login').send(body).expect(400);

      expect(response.body.errors).toHaveLength(20);
      expect(response.body.errors[0]).toEqual({
        field: 'k0',
        message: 'property k0 should not exist',
      });
    });
  });

  describe('X-Forwarded-For', () => {
    it.each([
      ['a value of 100 characters', 'x'.repeat(100)],
      ['a host name', 'client.example.com'],
      ['an address with a port', '192.0.2.1:4444'],
      ['an empty value', ''],
    ])('should ignore %s and record the proxy as the client, never a 500', async (_case, value) => {
      const email = uniqueEmail();

      const registered = await t.http
        .post('/auth/register')
        .set('X-Forwarded-For', value)
        .send({ email, password: PASSWORD, transport: 'body' })
        .expect(201);
      await t.http
        .post('/auth/login')
        .set('X-Forwarded-For', value)
        .send({ email, password: PASSWORD })
        .expect(200);

      const events = await eventsOf(registered.body.accessToken as string);
      expect(events.map((event) => event.type)).toEqual(['login', 'register']);
      expect(events.map((event) => event.ip)).toEqual(['127.0.0.1', '127.0.0.1']);
    });

    it('should record a forwarded IP address, IPv4 and IPv6', async () => {
      const v4 = await t.http
        .post('/auth/register')
        .set('X-Forwarded-For', '198.51.100.23')
        .send({ email: uniqueEmail(), password: PASSWORD, transport: 'body' })
        .expect(201);
      const v6 = await t.http
        .post('/auth/register')
        .set('X-Forwarded-For', '2001:DB8::1')
        .send({ email: uniqueEmail(), password: PASSWORD, transport: 'body' })
        .expect(201);

      expect((await eventsOf(v4.body.accessToken as string))[0].ip).toBe('198.51.100.23');
      expect((await eventsOf(v6.body.accessToken as string))[0].ip).toBe('2001:db8::1');
    });

    it('should believe only the hop the proxy added, not what the client put before it', async () => {
      const response = await t.http
        .post('/auth/register')
        .set('X-Forwarded-For', '10.9.9.9, 198.51.100.24')
        .send({ email: uniqueEmail(), password: PASSWORD, transport: 'body' })
        .expect(201);

      expect((await eventsOf(response.body.accessToken as string))[0].ip).toBe('198.51.100.24');
    });

    it('should keep the full user agent out of the way of the audit trail', async () => {
      const response = await t.http
        .post('/auth/register')
        .set('User-Agent', 'u'.repeat(6000))
        .send({ email: uniqueEmail(), password: PASSWORD, transport: 'body' })
        .expect(201);

      const [event] = (
        await t.http
          .get('/users/me/events')
          .auth(response.body.accessToken as string, { type: 'bearer' })
          .expect(200)
      ).body as { userAgent: string }[];
      expect(event.userAgent).toHaveLength(512);
    });
  });

  describe('GET /users/me/events?before=', () => {
    it.each(['-004713-01-01T00:00:00Z', '+275760-09-13T00:00:00Z', '0001-01-01T00:00:00Z'])(
      'should refuse %s with 400, not a 500',
      async (before) => {
        const user = await registerUser(t.http);

        const response = await t.http
          .get('/users/me/events')
          .query({ before })
          .auth(user.accessToken, { type: 'bearer' })
          .expect(400);

        expect(response.body).toMatchObject({
          code: 'validation_failed',
          errors: [
            { field: 'before', message: 'before must be a date-time between 1970 and 9999' },
          ],
        });
      },
    );
  });

  describe('two refresh_token cookies', () => {
    it('should refuse the request and rotate nothing', async () => {
      const { email } = await registerUser(t.http);
      const { cookie } = await cookieLogin(t.http, email);

      const refused = await t.http
        .post('/auth/refresh')
        .set('Cookie', `refresh_token=planted-by-a-sibling; refresh_token=${cookie}`)
        .expect(401);
      await t.http
        .post('/auth/refresh')
        .set('Cookie', `refresh_token=${cookie}; refresh_token=planted-by-a-sibling`)
        .expect(401);
      await t.http
        .post('/auth/logout')
        .set('Cookie', `refresh_token=${cookie}; refresh_token=${cookie}`)
        .expect(401);

      expect(refused.body).toMatchObject({ code: 'invalid_refresh_token' });
      // The session's token was never rotated: it is still the current one.
      await t.http.post('/auth/refresh').set('Cookie', `refresh_token=${cookie}`).expect(200);
    });
  });

  describe('headers', () => {
    it.each([
      [
        'a token response',
        () => t.http.post('/auth/register').send({ email: uniqueEmail(), password: PASSWORD }),
      ],
      ['a problem', () => t.http.get('/users/me')],
      ['an unknown path', () => t.http.get('/nowhere')],
      ['the JWKS', () => t.http.get('/.well-known/jwks.json')],
      ['Swagger UI', () => t.http.get('/docs')],
    ])('should send nosniff and no-referrer, and no X-Powered-By, on %s', async (_case, send) => {
      const response = await send();

      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['referrer-policy']).toBe('no-referrer');
      expect(response.headers['x-powered-by']).toBeUndefined();
      expect(response.headers['x-request-id']).toEqual(expect.any(String));
    });

    it('should send a Content-Security-Policy without third-party or inline scripts on Swagger UI', async () => {
      const response = await t.http.get('/docs').expect(200);

      const csp = response.headers['content-security-policy'];
      expect(response.headers['content-type']).toMatch(/text\/html/);
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("object-src 'none'");
      expect(csp).not.toMatch(/script-src[^;]*(unsafe-inline|https?:)/);
    });

    it('should send Cache-Control: no-store on token responses and authenticated responses', async () => {
      const user = await registerUser(t.http);
      const responses = [
        await t.http.post('/auth/login').send({ email: user.email, password: PASSWORD }),
        await t.http.post('/auth/refresh').send({ refreshToken: user.refreshToken }),
        await t.http.get('/users/me').auth(user.accessToken, { type: 'bearer' }),
        await t.http.get('/sessions').auth(user.accessToken, { type: 'bearer' }),
        await t.http.get('/users/me/events').auth(user.accessToken, { type: 'bearer' }),
        await t.http.get('/users/me').auth('not-a-token', { type: 'bearer' }),
      ];

      for (const response of responses) {
        expect(response.headers['cache-control']).toBe('no-store');
      }
      const jwks = await t.http.get('/.well-known/jwks.json');
      expect(jwks.headers['cache-control']).toMatch(/^public, max-age=\d+$/);
    });
  });

  describe('email addresses that look alike', () => {
    it('should take fullwidth letters and case as the same address, and log in with either', async () => {
      const local = `ada-${Date.now()}`;
      const fullwidth = [...local]
        .map((character) =>
          /[a-z0-9-]/.test(character)
            ? String.fromCharCode(character.toUpperCase().charCodeAt(0) + 0xfee0)
            : character,
        )
        .join('');

      const registered = await t.http
        .post('/auth/register')
        .send({ email: `${fullwidth}＠example.com`, password: PASSWORD, transport: 'body' })
        .expect(201);
      expect(registered.body.user.email).toBe(`${local}@example.com`);

      await t.http
        .post('/auth/register')
        .send({ email: `${local}@example.com`, password: PASSWORD })
        .expect(409, /email_taken/);
      await t.http
        .post('/auth/login')
        .send({ email: `${local.toUpperCase()}@EXAMPLE.COM`, password: PASSWORD })
        .expect(200);
      await t.http
        .post('/auth/login')
        .send({ email: `${fullwidth}@example.com`, password: PASSWORD })
        .expect(200);
    });

    it.each([
      ['a zero-width space', 'ada\u200b@example.com'],
      ['a zero-width joiner', 'a\u200dda@example.com'],
      ['a byte-order mark', 'ad\ufeffa@example.com'],
      ['a right-to-left override', 'ada\u202e@example.com'],
      ['a control character', 'ada\u0007@example.com'],
      ['a soft hyphen', 'a\u00adda@example.com'],
    ])('should refuse an address with %s', async (_case, email) => {
      const response = await t.http
        .post('/auth/register')
        .send({ email, password: PASSWORD })
        .expect(400);

      expect(response.body.errors).toEqual([
        {
          field: 'email',
          message: 'email must not contain control, invisible or bidirectional-override characters',
        },
      ]);
      await t.http.post('/auth/login').send({ email, password: PASSWORD }).expect(400);
    });

    it('should still log in an account that kept a look-alike spelling from before', async () => {
      const ascii = await registerUser(t.http);
      const lookAlike = ascii.email.replace(/^user/, 'ｕｓｅｒ');
      // An account made before addresses were canonical, with the same canonical address.
      const other = await registerUser(t.http, { password: 'the other person’s passphrase' });
      await t.app
        .get(DataSource)
        .query('UPDATE users SET email = $1 WHERE id = $2', [lookAlike, other.user!.id]);

      const asLookAlike = await t.http
        .post('/auth/login')
        .send({ email: lookAlike, password: 'the other person’s passphrase', transport: 'body' })
        .expect(200);
      await t.http.post('/auth/login').send({ email: ascii.email, password: PASSWORD }).expect(200);
      const body = asLookAlike.body as TokenResponse;
      expect(sessionIdOf(body)).toEqual(expect.any(String));
      expect(body.user!.id).toBe(other.user!.id);
    });
  });

  describe('the access token of a user deleted from the database', () => {
    it('should get a clean 401 from logout-all at once, and from every route within two seconds', async () => {
      const user = await registerUser(t.http);
      await t.http.get('/sessions').auth(user.accessToken, { type: 'bearer' }).expect(200);

      await t.app.get(DataSource).query('DELETE FROM users WHERE id = $1', [user.user!.id]);

      const logoutAll = await t.http
        .post('/auth/logout-all')
        .auth(user.accessToken, { type: 'bearer' })
        .expect(401);
      expect(logoutAll.body).toMatchObject({ code: 'invalid_access_token' });
      const refused = async () =>
        (await t.http.get('/sessions').auth(user.accessToken, { type: 'bearer' })).status === 401;
      expect(await within(2_000, refused)).toBe(true);
      for (const path of ['/users/me', '/users/me/events', '/sessions']) {
        await t.http.get(path).auth(user.accessToken, { type: 'bearer' }).expect(401);
      }
      await t.http.post('/auth/refresh').send({ refreshToken: user.refreshToken }).expect(401);
    });
  });
});
