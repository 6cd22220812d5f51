import { DataSource } from 'typeorm';

import { SessionRetentionJob } from 'src/sessions/session-retention.job';

import { setClockAhead } from 'test/support/clock';
import { login, refreshWithBody, registerUser, type TokenResponse } from 'test/support/factories';
import { sessionIdOf } from 'test/support/jwt';
import { startTestApp, type TestApp } from 'test/support/test-app';

interface SessionView {
  id: string;
  createdAt: string;
  lastUsedAt: string;
  expiresAt: string;
  userAgent: string | null;
  ip: string | null;
  current: boolean;
}

describe('sessions', () => {
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

  async function sessionsOf(accessToken: string): Promise<SessionView[]> {
    const response = await t.http
      .get('/sessions')
      .auth(accessToken, { type: 'bearer' })
      .expect(200);
    return response.body as SessionView[];
  }

  describe('GET /sessions', () => {
    it("should list the user's active sessions, newest first, marking the current one", async () => {
      const user = await registerUser(t.http);
      const phone = (
        await t.http
          .post('/auth/login')
          .set('User-Agent', 'WardenTest/phone')
          .send({ email: user.email, password: user.password, transport: 'body' })
          .expect(200)
      ).body as TokenResponse;

      const sessions = await sessionsOf(user.accessToken);

      expect(sessions.map((session) => session.id)).toEqual([
        sessionIdOf(phone),
        sessionIdOf(user),
      ]);
      expect(sessions[0]).toEqual({
        id: sessionIdOf(phone),
        createdAt: expect.any(String) as unknown,
        lastUsedAt: expect.any(String) as unknown,
        expiresAt: expect.any(String) as unknown,
        userAgent: 'WardenTest/phone',
        ip: '127.0.0.1',
        current: false,
        acr: 'aal1',
        amr: ['pwd'],
      });
      expect(sessions[1].current).toBe(true);
      const { createdAt, expiresAt } = sessions[0];
      expect(Date.parse(expiresAt) - Date.parse(createdAt)).toBe(30 * 86_400 * 1000);
    });

    it('should leave out ended sessions and other users', async () => {
      const user = await registerUser(t.http);
      const other = await login(t.http, user.email);
      await t.http.post('/auth/logout').send({ refreshToken: other.refreshToken }).expect(204);
      await registerUser(t.http);

      const sessions = await sessionsOf(user.accessToken);

      expect(sessions.map((session) => session.id)).toEqual([sessionIdOf(user)]);
    });

    it('should move lastUsedAt on refresh', async () => {
      const user = await registerUser(t.http);
      const [before] = await sessionsOf(user.accessToken);

      const at = setClockAhead(t.app, 3600);
      const refreshed = (await refreshWithBody(t.http, user.refreshToken).expect(200))
        .body as TokenResponse;

      const [after] = await sessionsOf(refreshed.accessToken);
      expect(after.lastUsedAt).toBe(at.toISOString());
      expect(Date.parse(after.lastUsedAt)).toBeGreaterThan(Date.parse(before.lastUsedAt));
      expect(after.createdAt).toBe(before.createdAt);
    });

    it('should require an access token', async () => {
      await t.http.get('/sessions').expect(401, /invalid_access_token/);
    });
  });

  describe('DELETE /sessions/:id', () => {
    it('should end the session: its refresh and access tokens stop working at once', async () => {
      const user = await registerUser(t.http);
      const laptop = await login(t.http, user.email);

      await t.http
        .delete(`/sessions/${sessionIdOf(laptop)}`)
        .auth(user.accessToken, { type: 'bearer' })
        .expect(204);

      await refreshWithBody(t.http, laptop.refreshToken).expect(401, /session_revoked/);
      await t.http.get('/users/me').auth(laptop.accessToken, { type: 'bearer' }).expect(401);
      await t.http.get('/users/me').auth(user.accessToken, { type: 'bearer' }).expect(200);
      expect((await sessionsOf(user.accessToken)).map((session) => session.id)).toEqual([
        sessionIdOf(user),
      ]);
    });

    it('should end the current session too, like a logout', async () => {
      const user = await registerUser(t.http);

      await t.http
        .delete(`/sessions/${sessionIdOf(user)}`)
        .auth(user.accessToken, { type: 'bearer' })
        .expect(204);

      await t.http.get('/sessions').auth(user.accessToken, { type: 'bearer' }).expect(401);
    });

    it.each([
      ['a session of another user', async () => sessionIdOf(await registerUser(t.http))],
      ['an unknown id', () => Promise.resolve('6f1c1a34-2d0b-4c37-9a4e-0b8e7f1d2c3b')],
      ['a malformed id', () => Promise.resolve('not-a-uuid')],
      ['a number', () => Promise.resolve('12345')],
      ['SQL', () => Promise.resolve(encodeURIComponent("' OR 1=1 --"))],
    ])('should answer 404 for %s, never 500', async (_case, id) => {
      const user = await registerUser(t.http);

      const response = await t.http
        .delete(`/sessions/${await id()}`)
        .auth(user.accessToken, { type: 'bearer' });

      expect(response.status).toBe(404);
      expect(response.body).toMatchObject({ code: 'not_found' });
    });

    it('should answer 404 for a session that has already ended', async () => {
      const user = await registerUser(t.http);
      const other = await login(t.http, user.email);
      await t.http
        .delete(`/sessions/${sessionIdOf(other)}`)
        .auth(user.accessToken, { type: 'bearer' })
        .expect(204);

      await t.http
        .delete(`/sessions/${sessionIdOf(other)}`)
        .auth(user.accessToken, { type: 'bearer' })
        .expect(404);
    });

    it("should not end another user's session", async () => {
      const user = await registerUser(t.http);
      const victim = await registerUser(t.http);

      await t.http
        .delete(`/sessions/${sessionIdOf(victim)}`)
        .auth(user.accessToken, { type: 'bearer' })
        .expect(404);

      await refreshWithBody(t.http, victim.refreshToken).expect(200);
    });
  });

  describe('retention', () => {
    async function remaining(ids: string[]): Promise<string[]> {
      const rows = await t.app
        .get(DataSource)
        .query<{ id: string }[]>('SELECT id FROM sessions WHERE id = ANY($1::uuid[]) ORDER BY id', [
          ids,
        ]);
      return rows.map((row) => row.id);
    }

    it('should delete only sessions that ended more than SESSION_RETENTION ago', async () => {
      const user = await registerUser(t.http);
      const revokedLongAgo = await login(t.http, user.email);
      const idleLongAgo = await login(t.http, user.email);
      await t.http
        .post('/auth/logout')
        .send({ refreshToken: revokedLongAgo.refreshToken })
        .expect(204);

      // 38 days on: the idle session expired 31 days ago, the logout was 38 days ago.
      setClockAhead(t.app, 38 * 86_400);
      const revokedRecently = await login(t.http, user.email);
      await t.http
        .post('/auth/logout')
        .send({ refreshToken: revokedRecently.refreshToken })
        .expect(204);
      const active = await login(t.http, user.email);
      await t.app.get(SessionRetentionJob).run();

      const ids = [revokedLongAgo, idleLongAgo, revokedRecently, active].map(sessionIdOf);
      expect(await remaining(ids)).toEqual(
        [sessionIdOf(revokedRecently), sessionIdOf(active)].sort(),
      );
    });
  });
});
