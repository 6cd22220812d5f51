import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';

import { Clock } from 'src/common/clock';
import { SessionsRepository } from 'src/sessions/sessions.repository';

import {
  PASSWORD,
  refreshWithBody,
  registerUser,
  uniqueEmail,
  type TokenResponse,
} from 'test/support/factories';
import { jtiOf, sessionIdOf } from 'test/support/jwt';
import { describeWithServices, services } from 'test/support/services';
import { TcpProxy } from 'test/support/tcp-proxy';
import { startTestApp, type TestApp } from 'test/support/test-app';
import { within } from 'test/support/within';

/** What every instance of one deployment shares: keys, secret, database, Redis. */
function deploymentEnv(redisUrl: string): Record<string, string> {
  return {
    DATABASE_URL: services.postgresUrl!,
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: `deployment-${randomUUID()}:`,
    REFRESH_TOKEN_SECRET: randomBytes(48).toString('base64url'),
    JWT_SIGNING_KEYS: generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .privateKey.export({ format: 'pem', type: 'pkcs8' })
      .toString(),
    RATE_LIMIT_LOGIN: '5/60s',
    // Behind one proxy: the spec of concurrent guesses comes from many addresses.
    TRUST_PROXY: '1',
  };
}

function wrongLogin(app: TestApp, email: string) {
  return app.http.post('/auth/login').send({ email, password: 'not the password!' });
}

async function isRefused(app: TestApp, accessToken: string): Promise<boolean> {
  return (await app.http.get('/users/me').auth(accessToken, { type: 'bearer' })).status === 401;
}

describeWithServices('two instances on one PostgreSQL and one Redis', () => {
  let redisProxy: TcpProxy;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    redisProxy = await TcpProxy.start(services.redisUrl!);
    const env = deploymentEnv(redisProxy.urlFor(services.redisUrl!));
    a = await startTestApp(env);
    b = await startTestApp(env);
  });

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await redisProxy?.cut();
  });

  it('should accept on one instance the tokens issued by the other', async () => {
    const user = await registerUser(a.http);
    const revocationLookups = jest.spyOn(b.app.get(SessionsRepository), 'findState');

    await b.http.get('/users/me').auth(user.accessToken, { type: 'bearer' }).expect(200);
    // With Redis up, the revocation check of a valid access token is answered from memory.
    expect(revocationLookups).not.toHaveBeenCalled();
    revocationLookups.mockRestore();
    const refreshed = (await refreshWithBody(b.http, user.refreshToken).expect(200))
      .body as TokenResponse;
    await a.http.get('/users/me').auth(refreshed.accessToken, { type: 'bearer' }).expect(200);
  });

  it('should enforce a logout through A on B within one second', async () => {
    const user = await registerUser(a.http);
    await b.http.get('/users/me').auth(user.accessToken, { type: 'bearer' }).expect(200);

    await a.http.post('/auth/logout').send({ refreshToken: user.refreshToken }).expect(204);

    expect(await within(1_000, () => isRefused(b, user.accessToken))).toBe(true);
    await refreshWithBody(b.http, user.refreshToken).expect(401, /session_revoked/);
  });

  it('should check at most LOGIN_BACKOFF_AFTER + 2 passwords of 200 guesses spread over both instances', async () => {
    const { email } = await registerUser(a.http);
    // One instant on both instances: no backoff wait ends while the guesses are in flight.
    const now = new Date();
    for (const app of [a, b]) {
      jest.spyOn(app.app.get(Clock), 'now').mockImplementation(() => new Date(now));
    }

    const statuses = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const response = await (i % 2 ? a : b).http
          .post('/auth/login')
          .set('X-Forwarded-For', `198.51.100.${i % 40}`)
          .send({ email, password: `not the password ${i}` });
        return response.status;
      }),
    );

    jest.restoreAllMocks();
    // LOGIN_BACKOFF_AFTER is 10 by default.
    expect(statuses.filter((status) => status === 401).length).toBeLessThanOrEqual(10 + 2);
    expect(new Set(statuses)).toEqual(new Set([401, 429]));
  });

  it('should count rate limits across both instances', async () => {
    const email = uniqueEmail();
    await wrongLogin(a, email).expect(401);
    await wrongLogin(b, email).expect(401);
    await wrongLogin(a, email).expect(401);
    await wrongLogin(b, email).expect(401);
    await wrongLogin(a, email).expect(401);

    await wrongLogin(b, email).expect(429);
  });

  it('should give concurrent refreshes of one token spread over both instances one successor', async () => {
    const user = await registerUser(a.http);

    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        refreshWithBody((i % 2 ? a : b).http, user.refreshToken),
      ),
    );

    expect(responses.map((response) => response.status)).toEqual(Array(20).fill(200));
    const successors = new Set(
      responses.map((response) => jtiOf((response.body as TokenResponse).refreshToken!)),
    );
    expect(successors.size).toBe(1);
  });

  it('should lose or wrongly revoke no session under a bounded load over both instances', async () => {
    const users = await Promise.all(Array.from({ length: 12 }, () => registerUser(a.http)));

    const finals = await Promise.all(
      users.map(async (user) => {
        let tokens: TokenResponse = user;
        for (let round = 0; round < 10; round++) {
          const [here, there] = round % 2 ? [a, b] : [b, a];
          tokens = (await refreshWithBody(here.http, tokens.refreshToken!).expect(200))
            .body as TokenResponse;
          await there.http
            .get('/users/me')
            .auth(tokens.accessToken, { type: 'bearer' })
            .expect(200);
        }
        return tokens;
      }),
    );

    for (const [i, tokens] of finals.entries()) {
      const sessions = await b.http
        .get('/sessions')
        .auth(tokens.accessToken, { type: 'bearer' })
        .expect(200);
      expect((sessions.body as { id: string }[]).map((session) => session.id)).toEqual([
        sessionIdOf(users[i]),
      ]);
    }
  });

  describe('when Redis goes away and comes back', () => {
    it('should keep serving, and enforce revocations from the database meanwhile', async () => {
      const user = await registerUser(a.http);
      await redisProxy.cut();

      const other = await a.http
        .post('/auth/login')
        .send({ email: user.email, password: PASSWORD, transport: 'body' })
        .expect(200);
      const refreshed = (await refreshWithBody(b.http, user.refreshToken).expect(200))
        .body as TokenResponse;
      await b.http.get('/users/me').auth(refreshed.accessToken, { type: 'bearer' }).expect(200);
      const ready = await b.http.get('/health/ready').expect(200);
      expect(ready.body).toMatchObject({ details: { redis: { status: 'down' } } });

      await a.http
        .post('/auth/logout')
        .send({ refreshToken: (other.body as TokenResponse).refreshToken })
        .expect(204);
      // B's copy is filled from the database every second while no message can arrive.
      expect(
        await within(2_000, () => isRefused(b, (other.body as TokenResponse).accessToken)),
      ).toBe(true);
    });

    it('should resume sharing rate limits and revocations once Redis is back', async () => {
      await redisProxy.resume();
      const redisUp = async (app: TestApp) =>
        ((await app.http.get('/health/ready')).body as { details: { redis: { status: string } } })
          .details.redis.status === 'up';
      expect(await within(10_000, async () => (await redisUp(a)) && (await redisUp(b)))).toBe(true);

      const user = await registerUser(a.http);
      await b.http.get('/users/me').auth(user.accessToken, { type: 'bearer' }).expect(200);
      await a.http.post('/auth/logout').send({ refreshToken: user.refreshToken }).expect(204);
      expect(await within(1_000, () => isRefused(b, user.accessToken))).toBe(true);

      const email = uniqueEmail();
      for (let i = 0; i < 5; i++) {
        await wrongLogin(i % 2 ? a : b, email).expect(401);
      }
      await wrongLogin(a, email).expect(429);
    });
  });
});

describeWithServices('a revoking instance that cannot reach Redis', () => {
  let proxies: TcpProxy[];
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    // Each instance reaches Redis through its own proxy, so that one can lose it alone.
    proxies = [await TcpProxy.start(services.redisUrl!), await TcpProxy.start(services.redisUrl!)];
    const env = deploymentEnv('redis://unused');
    a = await startTestApp({ ...env, REDIS_URL: proxies[0].urlFor(services.redisUrl!) });
    b = await startTestApp({ ...env, REDIS_URL: proxies[1].urlFor(services.redisUrl!) });
  });

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await Promise.all(proxies.map((proxy) => proxy.cut()));
  });

  it('should have its revocation enforced by the other instance within two seconds', async () => {
    const user = await registerUser(a.http);
    await b.http.get('/users/me').auth(user.accessToken, { type: 'bearer' }).expect(200);
    await proxies[0].cut();

    await a.http.post('/auth/logout').send({ refreshToken: user.refreshToken }).expect(204);

    // B still hears from Redis, so it trusts its copy: only the database poll can tell it.
    const ready = await b.http.get('/health/ready').expect(200);
    expect(ready.body).toMatchObject({ details: { redis: { status: 'up' } } });
    expect(await within(2_000, () => isRefused(b, user.accessToken))).toBe(true);
    await proxies[0].resume();
  });
});

describeWithServices('a database outage', () => {
  let databaseProxy: TcpProxy;
  let t: TestApp;

  beforeAll(async () => {
    databaseProxy = await TcpProxy.start(services.postgresUrl!);
    t = await startTestApp({ DATABASE_URL: databaseProxy.urlFor(services.postgresUrl!) });
  });

  afterAll(async () => {
    await databaseProxy?.resume();
    await t?.close();
    await databaseProxy?.cut();
  });

  it('should answer 503 service_unavailable, never 500, and recover without a restart', async () => {
    const user = await registerUser(t.http);
    await databaseProxy.cut();

    const me = await t.http.get('/users/me').auth(user.accessToken, { type: 'bearer' }).expect(503);
    expect(me.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(me.body).toMatchObject({ status: 503, code: 'service_unavailable' });
    await t.http.post('/auth/login').send({ email: user.email, password: PASSWORD }).expect(503);
    await refreshWithBody(t.http, user.refreshToken).expect(503);
    await t.http.get('/health/ready').expect(503, /service_unavailable/);
    await t.http.get('/health/live').expect(200);

    await databaseProxy.resume();

    await t.http.get('/users/me').auth(user.accessToken, { type: 'bearer' }).expect(200);
    await refreshWithBody(t.http, user.refreshToken).expect(200);
    await t.http.get('/health/ready').expect(200);
  });
});
