import { EventEmitter2 } from '@nestjs/event-emitter';

import type { AuthEvent } from 'src/audit/audit.service';

import { setClockAhead } from 'test/support/clock';
import { login, PASSWORD, refreshWithBody, registerUser } from 'test/support/factories';
import { sessionIdOf } from 'test/support/jwt';
import { startTestApp, type TestApp } from 'test/support/test-app';

interface EventView {
  type: string;
  at: string;
  ip: string | null;
  userAgent: string | null;
  sessionId: string | null;
}

describe('GET /users/me/events', () => {
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

  async function eventsOf(accessToken: string, query = ''): Promise<EventView[]> {
    const response = await t.http
      .get(`/users/me/events${query}`)
      .auth(accessToken, { type: 'bearer' })
      .expect(200);
    return response.body as EventView[];
  }

  it('should record every event type, newest first, with address, user agent and session', async () => {
    const user = await registerUser(t.http);
    await t.http
      .post('/auth/login')
      .set('User-Agent', 'EventsTest/1.0')
      .send({ email: user.email, password: 'wrong password, surely' })
      .expect(401);
    const second = await login(t.http, user.email);
    const third = await login(t.http, user.email);
    await t.http.post('/auth/logout').send({ refreshToken: second.refreshToken }).expect(204);
    await t.http
      .delete(`/sessions/${sessionIdOf(third)}`)
      .auth(user.accessToken, { type: 'bearer' })
      .expect(204);
    const reused = await login(t.http, user.email);
    await refreshWithBody(t.http, reused.refreshToken).expect(200);
    setClockAhead(t.app, 60);
    await refreshWithBody(t.http, reused.refreshToken).expect(401, /refresh_token_reused/);
    await t.http
      .post('/users/me/password')
      .auth(user.accessToken, { type: 'bearer' })
      .send({ currentPassword: PASSWORD, newPassword: 'another fine passphrase' })
      .expect(204);
    await t.http.post('/auth/logout-all').auth(user.accessToken, { type: 'bearer' }).expect(204);
    const fresh = await login(t.http, user.email, 'another fine passphrase');

    const events = await eventsOf(fresh.accessToken, '?limit=100');

    expect(events.map((event) => event.type)).toEqual([
      'login',
      'logout_all',
      'password_changed',
      'refresh_reuse_detected',
      'login',
      'session_revoked',
      'logout',
      'login',
      'login',
      'login_failed',
      'register',
    ]);
    expect(events.find((event) => event.type === 'login_failed')).toEqual({
      type: 'login_failed',
      at: expect.any(String) as unknown,
      ip: '127.0.0.1',
      userAgent: 'EventsTest/1.0',
      sessionId: null,
    });
    expect(events.find((event) => event.type === 'logout')?.sessionId).toBe(sessionIdOf(second));
    expect(events.find((event) => event.type === 'session_revoked')?.sessionId).toBe(
      sessionIdOf(third),
    );
    expect(events.find((event) => event.type === 'refresh_reuse_detected')?.sessionId).toBe(
      sessionIdOf(reused),
    );
    expect(events.at(-1)?.sessionId).toBe(sessionIdOf(user));
  });

  it("should never show one user's events to another", async () => {
    const alice = await registerUser(t.http);
    const bob = await registerUser(t.http);
    await t.http
      .post('/auth/login')
      .send({ email: alice.email, password: 'wrong password, surely' })
      .expect(401);

    const bobs = await eventsOf(bob.accessToken);

    expect(bobs.map((event) => event.type)).toEqual(['register']);
    expect(bobs[0].sessionId).toBe(sessionIdOf(bob));
  });

  it('should page with limit and before', async () => {
    const user = await registerUser(t.http);
    for (let minute = 1; minute <= 4; minute++) {
      setClockAhead(t.app, minute * 60);
      await login(t.http, user.email);
    }

    const first = await eventsOf(user.accessToken, '?limit=2');
    const second = await eventsOf(
      user.accessToken,
      `?limit=2&before=${encodeURIComponent(first[1].at)}`,
    );
    const third = await eventsOf(
      user.accessToken,
      `?limit=2&before=${encodeURIComponent(second[1].at)}`,
    );

    expect([...first, ...second, ...third].map((event) => event.type)).toEqual([
      'login',
      'login',
      'login',
      'login',
      'register',
    ]);
    const times = [...first, ...second, ...third].map((event) => Date.parse(event.at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(new Set(times).size).toBe(5);
  });

  it.each(['?limit=0', '?limit=101', '?limit=abc', '?before=yesterday', '?colour=blue'])(
    'should refuse %s with validation_failed',
    async (query) => {
      const user = await registerUser(t.http);

      await t.http
        .get(`/users/me/events${query}`)
        .auth(user.accessToken, { type: 'bearer' })
        .expect(400, /validation_failed/);
    },
  );

  it('should say that a limit which is not a number must be an integer', async () => {
    const user = await registerUser(t.http);

    const response = await t.http
      .get('/users/me/events?limit=abc')
      .auth(user.accessToken, { type: 'bearer' })
      .expect(400);

    expect(response.body).toMatchObject({
      errors: [{ field: 'limit', message: 'limit must be an integer number' }],
    });
  });

  it('should require an access token', async () => {
    await t.http.get('/users/me/events').expect(401, /invalid_access_token/);
  });

  it('should emit a NestJS event for listeners, after the row is stored', async () => {
    const received: AuthEvent[] = [];
    const emitter = t.app.get(EventEmitter2);
    const listener = (event: AuthEvent) => received.push(event);
    emitter.on('auth.*', listener);

    const user = await registerUser(t.http);
    await t.http
      .post('/auth/login')
      .send({ email: user.email, password: 'wrong password, surely' })
      .expect(401);
    emitter.off('auth.*', listener);

    expect(received).toEqual([
      expect.objectContaining({
        type: 'register',
        userId: user.user!.id,
        sessionId: sessionIdOf(user),
      }),
      expect.objectContaining({ type: 'login_failed', userId: user.user!.id, ip: '127.0.0.1' }),
    ]);
  });
});
