import { cookieLogin, PASSWORD, registerUser } from 'test/support/factories';
import { startTestApp, type TestApp } from 'test/support/test-app';

const APP_ORIGIN = 'https://app.example.com';

describe('browser clients on other origins (CORS_ORIGINS)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ CORS_ORIGINS: `${APP_ORIGIN},http://localhost:5173` });
  });

  afterAll(async () => {
    await t.close();
  });

  it('should answer a preflight from a listed origin, with credentials allowed', async () => {
    const response = await t.http
      .options('/auth/refresh')
      .set('Origin', APP_ORIGIN)
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'content-type')
      .expect(204);

    expect(response.headers['access-control-allow-origin']).toBe(APP_ORIGIN);
    expect(response.headers['access-control-allow-credentials']).toBe('true');
  });

  it('should answer an OPTIONS request that is not a preflight without an error', async () => {
    const response = await t.http.options('/auth/login');

    expect(response.status).toBe(204);
    expect(response.headers).not.toHaveProperty('access-control-allow-origin');
  });

  it('should not grant CORS to an origin that is not listed', async () => {
    const response = await t.http
      .options('/auth/refresh')
      .set('Origin', 'https://evil.example')
      .set('Access-Control-Request-Method', 'POST');

    expect(response.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('should let a listed origin refresh with the cookie, and refuse any other', async () => {
    const { email } = await registerUser(t.http);
    const { cookie } = await cookieLogin(t.http, email);

    await t.http
      .post('/auth/refresh')
      .set('Cookie', `refresh_token=${cookie}`)
      .set('Origin', 'https://other.example.com')
      .expect(403, /csrf_rejected/);
    const response = await t.http
      .post('/auth/refresh')
      .set('Cookie', `refresh_token=${cookie}`)
      .set('Origin', APP_ORIGIN)
      .set('Sec-Fetch-Site', 'same-site')
      .expect(200);

    expect(response.headers['access-control-allow-origin']).toBe(APP_ORIGIN);
  });

  it('should forbid caching of token responses', async () => {
    const user = await registerUser(t.http);
    const refreshed = await t.http
      .post('/auth/refresh')
      .send({ refreshToken: user.refreshToken })
      .expect(200);
    const login = await t.http
      .post('/auth/login')
      .send({ email: user.email, password: PASSWORD })
      .expect(200);

    expect(refreshed.headers['cache-control']).toBe('no-store');
    expect(login.headers['cache-control']).toBe('no-store');
  });
});
