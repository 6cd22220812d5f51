import { refreshCookie } from 'test/support/cookies';
import { cookieLogin, login, refreshWithBody, registerUser } from 'test/support/factories';
import { startTestApp, type TestApp } from 'test/support/test-app';

describe('logout', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });

  afterAll(async () => {
    await t.close();
  });

  describe('POST /auth/logout', () => {
    it('should end the session of a body token: its refresh and access tokens stop working at once', async () => {
      const user = await registerUser(t.http);
      // Used once already: refused all the same after the logout.
      await t.http.get('/users/me').auth(user.accessToken, { type: 'bearer' }).expect(200);

      await t.http.post('/auth/logout').send({ refreshToken: user.refreshToken }).expect(204);

      await refreshWithBody(t.http, user.refreshToken).expect(401, /session_revoked/);
      const me = await t.http
        .get('/users/me')
        .auth(user.accessToken, { type: 'bearer' })
        .expect(401);
      expect(me.body).toMatchObject({ code: 'invalid_access_token' });
    });

    it('should end the session of a cookie token and clear the cookie', async () => {
      const user = await registerUser(t.http);
      const { cookie, body: signIn } = await cookieLogin(t.http, user.email);

      const response = await t.http
        .post('/auth/logout')
        .set('Cookie', `refresh_token=${cookie}`)
        .expect(204);

      const cleared = refreshCookie(response.headers)!;
      expect(cleared.value).toBe('');
      expect(cleared.attributes).toMatchObject({
        path: '/auth',
        httponly: true,
        secure: true,
        samesite: 'Strict',
      });
      expect(new Date(cleared.attributes.expires as string).getTime()).toBeLessThan(Date.now());
      expect(response.text).toBe('');
      await t.http
        .post('/auth/refresh')
        .set('Cookie', `refresh_token=${cookie}`)
        .expect(401, /session_revoked/);
      await t.http.get('/users/me').auth(signIn.accessToken, { type: 'bearer' }).expect(401);
    });

    it('should leave the other sessions of the user working', async () => {
      const user = await registerUser(t.http);
      const other = await login(t.http, user.email);

      await t.http.post('/auth/logout').send({ refreshToken: user.refreshToken }).expect(204);

      await t.http.get('/users/me').auth(other.accessToken, { type: 'bearer' }).expect(200);
      await refreshWithBody(t.http, other.refreshToken).expect(200);
    });

    it('should succeed again for a session that has already ended', async () => {
      const user = await registerUser(t.http);
      await t.http.post('/auth/logout').send({ refreshToken: user.refreshToken }).expect(204);

      await t.http.post('/auth/logout').send({ refreshToken: user.refreshToken }).expect(204);
    });

    it('should refuse a request without a valid refresh token', async () => {
      const user = await registerUser(t.http);

      await t.http.post('/auth/logout').expect(401, /invalid_refresh_token/);
      await t.http
        .post('/auth/logout')
        .send({ refreshToken: user.accessToken })
        .expect(401, /invalid_refresh_token/);
    });

    it('should refuse a cookie logout from a foreign origin and keep the session', async () => {
      const user = await registerUser(t.http);
      const { cookie } = await cookieLogin(t.http, user.email);

      await t.http
        .post('/auth/logout')
        .set('Cookie', `refresh_token=${cookie}`)
        .set('Origin', 'https://evil.example')
        .expect(403, /csrf_rejected/);

      await t.http.post('/auth/refresh').set('Cookie', `refresh_token=${cookie}`).expect(200);
    });
  });

  describe('POST /auth/logout-all', () => {
    it('should end every session of the user, the calling one included', async () => {
      const user = await registerUser(t.http);
      const second = await login(t.http, user.email);
      const stranger = await registerUser(t.http);

      await t.http.post('/auth/logout-all').auth(user.accessToken, { type: 'bearer' }).expect(204);

      for (const session of [user, second]) {
        await t.http.get('/users/me').auth(session.accessToken, { type: 'bearer' }).expect(401);
        await refreshWithBody(t.http, session.refreshToken).expect(401, /session_revoked/);
      }
      await t.http.get('/users/me').auth(stranger.accessToken, { type: 'bearer' }).expect(200);
    });

    it('should require an access token', async () => {
      const user = await registerUser(t.http);

      await t.http.post('/auth/logout-all').expect(401, /invalid_access_token/);
      await t.http.post('/auth/logout-all').auth(user.refreshToken, { type: 'bearer' }).expect(401);
    });

    it('should let the user log in again afterwards', async () => {
      const user = await registerUser(t.http);
      await t.http.post('/auth/logout-all').auth(user.accessToken, { type: 'bearer' }).expect(204);

      const fresh = await login(t.http, user.email);
      await t.http.get('/users/me').auth(fresh.accessToken, { type: 'bearer' }).expect(200);
    });
  });
});
