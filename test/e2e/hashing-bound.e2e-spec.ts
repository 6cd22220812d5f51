import { PasswordHasher } from 'src/users/password-hasher';

import { PASSWORD, registerUser, uniqueEmail } from 'test/support/factories';
import { startTestApp, type TestApp } from 'test/support/test-app';

const FLOODER = '198.51.100.7';
const OWNER = '203.0.113.20';

describe('bounded password hashing', () => {
  let t: TestApp;

  afterEach(async () => {
    await t?.close();
  });

  function login(email: string, password: string, ip: string) {
    return t.http.post('/auth/login').set('X-Forwarded-For', ip).send({ email, password });
  }

  /** Unknown emails, so that no backoff holds the flood: each costs one decoy hash. */
  function flood(count: number) {
    return Array.from({ length: count }, (_, i) =>
      login(uniqueEmail(`flood-${i}`), 'not the password!', FLOODER).then((response) => response),
    );
  }

  async function queueReaches(depth: number): Promise<void> {
    const hasher = t.app.get(PasswordHasher, { strict: false });
    while (hasher.queueDepth < depth) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  it("should start another client's login next, ahead of a flood waiting in the queue", async () => {
    t = await startTestApp({
      TRUST_PROXY: '1',
      PASSWORD_HASH_CONCURRENCY: '1',
      PASSWORD_HASH_QUEUE: '40',
    });
    const { email } = await registerUser(t.http);
    let floodDone = 0;
    const flooding = flood(30).map((status) => status.then(() => (floodDone += 1)));
    await queueReaches(20);

    await login(email, PASSWORD, OWNER).expect(200);

    // Twenty of the flood were waiting for a hash when the owner came: at least ten still were when
    // the owner's login was done (it waited its turn in the round, not behind the queue).
    expect(floodDone).toBeLessThanOrEqual(10);
    await Promise.all(flooding);
  });

  it("should shed the flood, not another client's login, with 503, Retry-After and service_unavailable", async () => {
    t = await startTestApp({
      TRUST_PROXY: '1',
      PASSWORD_HASH_CONCURRENCY: '1',
      PASSWORD_HASH_QUEUE: '4',
    });
    const { email } = await registerUser(t.http);
    const flooding = flood(12);
    await queueReaches(4);

    const owner = login(email, PASSWORD, OWNER).then((response) => response);
    const responses = await Promise.all(flooding);

    expect((await owner).status).toBe(200);
    // The queue was full of the flood when the owner came: one of the flood gave way, at least.
    const shed = responses.filter((response) => response.status === 503);
    expect(shed.length).toBeGreaterThanOrEqual(1);
    expect(shed[0].body).toMatchObject({ status: 503, code: 'service_unavailable' });
    expect(Number(shed[0].headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });

  it('should limit logins per address whatever the email, and registrations per address', async () => {
    t = await startTestApp({
      TRUST_PROXY: '1',
      RATE_LIMIT_LOGIN_IP: '3/5m',
      RATE_LIMIT_REGISTER_IP: '2/1h',
    });
    for (let i = 0; i < 3; i++) {
      await login(uniqueEmail(), 'not the password!', FLOODER).expect(401);
    }
    await login(uniqueEmail(), 'not the password!', FLOODER).expect(429, /too_many_requests/);
    await login(uniqueEmail(), 'not the password!', OWNER).expect(401);

    const register = (ip: string) =>
      t.http
        .post('/auth/register')
        .set('X-Forwarded-For', ip)
        .send({ email: uniqueEmail(), password: PASSWORD });
    await register(FLOODER).expect(201);
    await register(FLOODER).expect(201);
    await register(FLOODER).expect(429, /too_many_requests/);
    await register(OWNER).expect(201);
  });
});
