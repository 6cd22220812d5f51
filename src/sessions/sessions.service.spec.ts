import { randomBytes, randomUUID } from 'node:crypto';

import { DataSource } from 'typeorm';

import { AuditService } from 'src/audit/audit.service';
import type { ClientInfo } from 'src/common/client-info.decorator';
import { SessionsService } from 'src/sessions/sessions.service';
import { UsersService } from 'src/users/users.service';

import { setClockAhead } from 'test/support/clock';
import { PASSWORD, uniqueEmail } from 'test/support/factories';
import { startTestApp, type TestApp } from 'test/support/test-app';

const client: ClientInfo = { ip: '192.0.2.1', userAgent: 'spec' };
const jti = () => randomBytes(32).toString('base64url');

/** Against the real database (PostgreSQL with DATABASE_URL, the embedded one otherwise). */
describe(SessionsService.name, () => {
  let t: TestApp;
  let sut: SessionsService;

  beforeAll(async () => {
    t = await startTestApp({ REFRESH_REUSE_GRACE: '10s' });
    sut = t.app.get(SessionsService);
  });

  afterAll(async () => {
    await t.close();
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  function openFor(user: { id: string; passwordVersion: number }, first = jti()) {
    return sut.start({ user, jti: first, client, acr: 'aal1', amr: ['pwd'], authTime: new Date() });
  }

  async function newSession() {
    const user = await t.app
      .get(UsersService)
      .register({ email: uniqueEmail(), password: PASSWORD }, null);
    const first = jti();
    const session = await openFor(user, first);
    return { user, jti: first, ref: { sessionId: session!.id, userId: user.id } };
  }

  describe('start', () => {
    it('should open nothing for a password version that is no longer current', async () => {
      const user = await t.app
        .get(UsersService)
        .register({ email: uniqueEmail(), password: PASSWORD }, null);

      const session = await openFor({ id: user.id, passwordVersion: user.passwordVersion + 1 });

      expect(session).toBeUndefined();
    });
  });

  describe('rotate', () => {
    it('should give 20 concurrent rotations of one token one and the same successor', async () => {
      const { jti: current, ref } = await newSession();
      const successor = jti();

      const outcomes = await Promise.all(
        Array.from({ length: 20 }, () => sut.rotate(ref, current, successor, client)),
      );

      expect(new Set(outcomes.map((outcome) => outcome.status))).toEqual(new Set(['rotated']));
      const windows = outcomes.map((outcome) =>
        outcome.status === 'rotated' ? outcome.issuedAt.getTime() : 0,
      );
      expect(new Set(windows).size).toBe(1);
      // The successor is now the current token: it rotates in turn.
      await expect(sut.rotate(ref, successor, jti(), client)).resolves.toMatchObject({
        status: 'rotated',
        acr: 'aal1',
        amr: ['pwd'],
        roles: ['user'],
        emailVerified: false,
      });
    });

    it('should answer the predecessor inside the grace window, and revoke the session after it', async () => {
      const { jti: first, ref } = await newSession();
      const second = jti();
      await sut.rotate(ref, first, second, client);

      await expect(sut.rotate(ref, first, second, client)).resolves.toMatchObject({
        status: 'rotated',
      });
      setClockAhead(t.app, 11);
      await expect(sut.rotate(ref, first, second, client)).resolves.toEqual({ status: 'reused' });

      await expect(sut.rotate(ref, second, jti(), client)).resolves.toEqual({ status: 'revoked' });
      expect(sut.isRevoked(ref.sessionId)).toBe(true);
      const [event] = await t.app.get(AuditService).listForUser(ref.userId, { limit: 1 });
      expect(event).toMatchObject({ type: 'refresh_reuse_detected', sessionId: ref.sessionId });
    });

    it('should call an idle session expired', async () => {
      const { jti: first, ref } = await newSession();
      setClockAhead(t.app, 8 * 86_400);

      await expect(sut.rotate(ref, first, jti(), client)).resolves.toEqual({ status: 'expired' });
    });

    it('should not rotate a session for another user id', async () => {
      const { jti: first, ref } = await newSession();

      await expect(
        sut.rotate({ ...ref, userId: randomUUID() }, first, jti(), client),
      ).resolves.toEqual({ status: 'revoked' });
    });
  });

  describe('revokeAllOfUser', () => {
    it('should end every session but the one kept, and record one event per session for an admin', async () => {
      const { user, ref } = await newSession();
      const second = await openFor(user);
      const third = await openFor(user);

      const revoked = await sut.revokeAllOfUser(user.id, 'admin', { client, except: third!.id });

      expect(revoked.sort()).toEqual([ref.sessionId, second!.id].sort());
      expect((await sut.listActive(user.id)).map((session) => session.id)).toEqual([third!.id]);
      const events = await t.app.get(AuditService).listForUser(user.id, { limit: 10 });
      expect(events.filter((event) => event.type === 'session_revoked')).toHaveLength(2);
    });

    it('should record a session that a deleted user took with it as revoked', async () => {
      const { user, ref } = await newSession();

      await t.app.get(DataSource).query('DELETE FROM users WHERE id = $1', [user.id]);

      const [row] = await t.app
        .get(DataSource)
        .query<{ session_id: string }[]>(
          'SELECT session_id FROM session_revocations WHERE session_id = $1',
          [ref.sessionId],
        );
      expect(row).toEqual({ session_id: ref.sessionId });
    });
  });
});
