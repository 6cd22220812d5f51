import { SignJWT } from 'jose';

import { KeyMaterial } from 'src/auth/tokens/key-material';
import { setClockAhead } from 'test/support/clock';
import { refreshCookie } from 'test/support/cookies';
import {
  cookieLogin,
  login,
  refreshWithBody,
  registerUser,
  type TokenResponse,
} from 'test/support/factories';
import { claimsOf, headerOf, jtiOf } from 'test/support/jwt';
import { startTestApp, type TestApp } from 'test/support/test-app';

describe('POST /auth/refresh (rotation)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  function advanceClock(seconds: number): void {
    setClockAhead(t.app, seconds);
  }

  it('should rotate the refresh token and return a new access token', async () => {
    const user = await registerUser(t.http);

    const response = await refreshWithBody(t.http, user.refreshToken).expect(200);
    const body = response.body as TokenResponse;

    expect(body).toEqual({
      accessToken: expect.any(String) as unknown,
      tokenType: 'Bearer',
      expiresIn: 900,
      refreshToken: expect.any(String) as unknown,
      refreshExpiresIn: 7 * 24 * 3600,
    });
    expect(jtiOf(body.refreshToken!)).not.toBe(jtiOf(user.refreshToken));
    expect(claimsOf(body.refreshToken!).sid).toBe(claimsOf(user.refreshToken).sid);
    expect(claimsOf(body.accessToken).sid).toBe(claimsOf(user.accessToken).sid);
    expect(response.headers['set-cookie']).toBeUndefined();
    await t.http.get('/users/me').auth(body.accessToken, { type: 'bearer' }).expect(200);
  });

  it('should issue refresh tokens as HS256 rt+jwt with sub, sid, a 256-bit jti, iat and exp', async () => {
    const user = await registerUser(t.http);
    const { refreshToken } = (await refreshWithBody(t.http, user.refreshToken).expect(200))
      .body as TokenResponse;

    expect(headerOf(refreshToken!)).toEqual({ alg: 'HS256', typ: 'rt+jwt' });
    const claims = claimsOf(refreshToken!);
    expect(claims.sub).toBe(user.user!.id);
    expect(typeof claims.sid).toBe('string');
    expect(Buffer.from(jtiOf(refreshToken!), 'base64url')).toHaveLength(32);
    expect(claims.exp! - claims.iat!).toBe(7 * 24 * 3600);
  });

  it('should keep a chain of 50 rotations working, each with a new jti', async () => {
    const user = await registerUser(t.http);
    const seen = new Set([jtiOf(user.refreshToken)]);
    let token = user.refreshToken;

    for (let i = 0; i < 50; i++) {
      const body = (await refreshWithBody(t.http, token).expect(200)).body as TokenResponse;
      token = body.refreshToken!;
      seen.add(jtiOf(token));
    }

    expect(seen.size).toBe(51);
    await t.http
      .get('/users/me')
      .auth((await refreshWithBody(t.http, token).expect(200)).body.accessToken as string, {
        type: 'bearer',
      })
      .expect(200);
  });

  it('should answer the predecessor inside the grace window with the same successor token', async () => {
    const user = await registerUser(t.http);
    const first = (await refreshWithBody(t.http, user.refreshToken).expect(200))
      .body as TokenResponse;

    advanceClock(5);
    const replay = (await refreshWithBody(t.http, user.refreshToken).expect(200))
      .body as TokenResponse;

    expect(replay.refreshToken).toBe(first.refreshToken);
    expect(replay.accessToken).not.toBe(first.accessToken);
    // No second branch: the successor still rotates normally.
    await refreshWithBody(t.http, first.refreshToken!).expect(200);
  });

  it('should answer 20 concurrent refreshes of one token with 200 and one and the same successor', async () => {
    const user = await registerUser(t.http);

    const responses = await Promise.all(
      Array.from({ length: 20 }, () =>
        fetch(`${t.url}/auth/refresh`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ refreshToken: user.refreshToken }),
        }),
      ),
    );
    const bodies = (await Promise.all(
      responses.map((response) => response.json()),
    )) as TokenResponse[];

    expect(responses.map((response) => response.status)).toEqual(Array(20).fill(200));
    expect(new Set(bodies.map((body) => jtiOf(body.refreshToken!))).size).toBe(1);
    expect(jtiOf(bodies[0].refreshToken!)).not.toBe(jtiOf(user.refreshToken));
    await refreshWithBody(t.http, bodies[0].refreshToken!).expect(200);
  });

  it('should revoke the session when the predecessor is presented after the grace window', async () => {
    const user = await registerUser(t.http);
    const next = (await refreshWithBody(t.http, user.refreshToken).expect(200))
      .body as TokenResponse;

    advanceClock(11);
    const reuse = await refreshWithBody(t.http, user.refreshToken).expect(401);

    expect(reuse.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(reuse.body).toMatchObject({ status: 401, code: 'refresh_token_reused' });
    await refreshWithBody(t.http, next.refreshToken!).expect(401, /session_revoked/);
    await t.http.get('/users/me').auth(next.accessToken, { type: 'bearer' }).expect(401);
    await t.http.get('/users/me').auth(user.accessToken, { type: 'bearer' }).expect(401);
  });

  it('should detect reuse of a token older than the predecessor at once', async () => {
    const user = await registerUser(t.http);
    const second = (await refreshWithBody(t.http, user.refreshToken).expect(200))
      .body as TokenResponse;
    await refreshWithBody(t.http, second.refreshToken!).expect(200);

    await refreshWithBody(t.http, user.refreshToken).expect(401, /refresh_token_reused/);
  });

  it('should leave other sessions of the user alone when one is revoked for reuse', async () => {
    const user = await registerUser(t.http);
    const other = await login(t.http, user.email);
    const second = (await refreshWithBody(t.http, user.refreshToken).expect(200))
      .body as TokenResponse;
    await refreshWithBody(t.http, second.refreshToken!).expect(200);
    await refreshWithBody(t.http, user.refreshToken).expect(401, /refresh_token_reused/);

    await refreshWithBody(t.http, other.refreshToken).expect(200);
  });

  it('should answer session_expired when the idle lifetime has passed', async () => {
    const user = await registerUser(t.http);

    advanceClock(7 * 24 * 3600 + 60);
    const response = await refreshWithBody(t.http, user.refreshToken).expect(401);

    expect(response.body).toMatchObject({ code: 'session_expired' });
  });

  it('should end the session at SESSION_MAX_AGE however often it is refreshed', async () => {
    const user = await registerUser(t.http);
    let token = user.refreshToken;
    let body: TokenResponse | undefined;

    for (const day of [6, 12, 18, 24]) {
      advanceClock(day * 86_400);
      body = (await refreshWithBody(t.http, token).expect(200)).body as TokenResponse;
      token = body.refreshToken!;
    }
    // Six days remain of the thirty: the idle expiry, and the token, stop there.
    expect(body!.refreshExpiresIn).toBeLessThanOrEqual(6 * 86_400);
    expect(body!.refreshExpiresIn).toBeGreaterThan(6 * 86_400 - 60);
    expect(claimsOf(token).exp! - Math.floor(Date.now() / 1000)).toBeLessThanOrEqual(30 * 86_400);

    advanceClock(30 * 86_400 + 60);
    await refreshWithBody(t.http, token).expect(401, /session_expired/);
  });

  it('should refuse an access token presented as a refresh token', async () => {
    const user = await registerUser(t.http);

    await refreshWithBody(t.http, user.accessToken).expect(401, /invalid_refresh_token/);
  });

  it('should refuse a refresh token presented as an access token', async () => {
    const user = await registerUser(t.http);

    await t.http
      .get('/users/me')
      .auth(user.refreshToken, { type: 'bearer' })
      .expect(401, /invalid_access_token/);
  });

  it('should refuse a missing, malformed or tampered refresh token', async () => {
    const user = await registerUser(t.http);
    const [header, payload, signature] = user.refreshToken.split('.');
    const tampered = Buffer.from(payload, 'base64url')
      .toString()
      .replace(/"sid":"[^"]+"/, '"sid":"00000000-0000-4000-8000-000000000000"');

    await t.http.post('/auth/refresh').expect(401, /invalid_refresh_token/);
    await refreshWithBody(t.http, 'not-a-jwt').expect(401, /invalid_refresh_token/);
    await refreshWithBody(
      t.http,
      `${header}.${Buffer.from(tampered).toString('base64url')}.${signature}`,
    ).expect(401, /invalid_refresh_token/);
  });

  it.each([
    ['sid', 'not-a-uuid'],
    ['sub', 'garbage'],
  ])(
    'should refuse a correctly signed refresh token whose %s is malformed',
    async (claim, value) => {
      const user = await registerUser(t.http);
      const forged = await new SignJWT({ ...claimsOf(user.refreshToken), [claim]: value })
        .setProtectedHeader(headerOf(user.refreshToken) as { alg: string })
        .sign(t.app.get(KeyMaterial).refreshSecret);

      await refreshWithBody(t.http, forged).expect(401, /invalid_refresh_token/);
    },
  );

  describe('with the cookie transport', () => {
    async function newCookieSession(): Promise<{ cookie: string; body: TokenResponse }> {
      return cookieLogin(t.http, (await registerUser(t.http)).email);
    }

    it('should set the refresh token as a strict, HttpOnly, Secure cookie on /auth, not in the body', async () => {
      const { email } = await registerUser(t.http);
      const response = await t.http
        .post('/auth/login')
        .send({ email, password: 'a perfectly fine passphrase' })
        .expect(200);

      const cookie = refreshCookie(response.headers)!;
      expect(cookie.attributes).toEqual({
        'max-age': String(7 * 24 * 3600),
        path: '/auth',
        httponly: true,
        secure: true,
        samesite: 'Strict',
      });
      expect(headerOf(cookie.value).typ).toBe('rt+jwt');
      expect(response.body).not.toHaveProperty('refreshToken');
      expect(response.body).toMatchObject({ tokenType: 'Bearer', refreshExpiresIn: 7 * 24 * 3600 });
    });

    it('should rotate the cookie and answer in the cookie', async () => {
      const { cookie } = await newCookieSession();

      const response = await t.http
        .post('/auth/refresh')
        .set('Cookie', `refresh_token=${cookie}`)
        .expect(200);

      const rotated = refreshCookie(response.headers)!;
      expect(jtiOf(rotated.value)).not.toBe(jtiOf(cookie));
      expect(rotated.attributes).toMatchObject({
        httponly: true,
        secure: true,
        samesite: 'Strict',
        path: '/auth',
      });
      expect(response.body).not.toHaveProperty('refreshToken');
    });

    it('should refuse a cookie refresh from an origin that is not allowed, without rotating', async () => {
      const { cookie } = await newCookieSession();

      const refused = await t.http
        .post('/auth/refresh')
        .set('Cookie', `refresh_token=${cookie}`)
        .set('Origin', 'https://evil.example')
        .expect(403);
      expect(refused.body).toMatchObject({ status: 403, code: 'csrf_rejected' });
      expect(refused.headers['set-cookie']).toBeUndefined();

      // Had it rotated, presenting the same token after the grace window would be reuse.
      advanceClock(30);
      await t.http.post('/auth/refresh').set('Cookie', `refresh_token=${cookie}`).expect(200);
    });

    it('should refuse a cookie refresh marked Sec-Fetch-Site: cross-site', async () => {
      const { cookie } = await newCookieSession();

      await t.http
        .post('/auth/refresh')
        .set('Cookie', `refresh_token=${cookie}`)
        .set('Sec-Fetch-Site', 'cross-site')
        .expect(403, /csrf_rejected/);
    });

    it("should accept a cookie refresh from Warden's own origin", async () => {
      const { cookie } = await newCookieSession();

      await t.http
        .post('/auth/refresh')
        .set('Cookie', `refresh_token=${cookie}`)
        .set('Origin', t.url)
        .set('Sec-Fetch-Site', 'same-origin')
        .expect(200);
    });

    it('should not apply the origin check to a token sent in the body', async () => {
      const user = await registerUser(t.http);

      await t.http
        .post('/auth/refresh')
        .set('Origin', 'https://evil.example')
        .send({ refreshToken: user.refreshToken })
        .expect(200);
    });
  });
});
