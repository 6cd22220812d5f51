import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';

import { runCli } from 'src/cli';

import { login, refreshWithBody, registerUser, uniqueEmail } from 'test/support/factories';
import { claimsOf } from 'test/support/jwt';
import { startTestApp, testEnv, type TestApp } from 'test/support/test-app';

const ADMIN_PASSWORD = 'the admin passphrase';

/** Runs `npm run cli -- …` in this process, against DATA_DIR `dataDir`. */
async function cli(dataDir: string, args: string[], { env = {}, stdin = '' } = {}) {
  const output: string[] = [];
  const errors: string[] = [];
  const code = await runCli(args, {
    env: testEnv({ DATA_DIR: dataDir, ...env }),
    stdin: Readable.from([stdin]),
    print: (line) => output.push(line),
    printError: (line) => errors.push(line),
  });
  return { code, output: output.join('\n'), errors: errors.join('\n') };
}

describe('administration', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'warden-admin-'));
  const adminEmail = uniqueEmail('admin');
  const stdinAdminEmail = uniqueEmail('admin-stdin');
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof login>>;

  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  describe('npm run cli -- create-admin', () => {
    it('should create an administrator with the password from WARDEN_ADMIN_PASSWORD', async () => {
      const result = await cli(dataDir, ['create-admin', '--email', adminEmail.toUpperCase()], {
        env: { WARDEN_ADMIN_PASSWORD: ADMIN_PASSWORD },
      });

      expect(result).toEqual({
        code: 0,
        output: `Created the administrator ${adminEmail}.`,
        errors: '',
      });
    });

    it('should read the password from standard input when the variable is not set', async () => {
      const result = await cli(dataDir, ['create-admin', '--email', stdinAdminEmail], {
        stdin: `${ADMIN_PASSWORD}\n`,
      });

      expect(result.code).toBe(0);
    });

    it('should make an existing account an administrator, keeping its password', async () => {
      const result = await cli(dataDir, ['create-admin', '--email', adminEmail], {
        env: { WARDEN_ADMIN_PASSWORD: 'ignored for an existing account' },
      });

      expect(result).toMatchObject({
        code: 0,
        output: expect.stringContaining('now an administrator'),
      });
    });

    it('should refuse a weak password', async () => {
      const result = await cli(dataDir, ['create-admin', '--email', uniqueEmail()], {
        stdin: 'password1',
      });

      expect(result).toMatchObject({ code: 1, errors: expect.stringContaining('commonly used') });
    });

    it('should explain its usage, and take no password from the command line', async () => {
      const result = await cli(dataDir, [
        'create-admin',
        '--email',
        uniqueEmail(),
        '--password',
        'x',
      ]);

      expect(result.code).not.toBe(0);
      expect(result.output).toBe('');
    });
  });

  describe('admin endpoints', () => {
    beforeAll(async () => {
      t = await startTestApp({ DATA_DIR: dataDir });
      admin = await login(t.http, adminEmail, ADMIN_PASSWORD);
    });

    afterAll(async () => {
      await t.close();
    });

    it('should put the admin role in the access token of an administrator', async () => {
      expect(claimsOf(admin.accessToken).roles).toEqual(['user', 'admin']);
      expect(
        claimsOf((await login(t.http, stdinAdminEmail, ADMIN_PASSWORD)).accessToken).roles,
      ).toContain('admin');
    });

    it("should list a user's active sessions", async () => {
      const user = await registerUser(t.http);
      const second = await login(t.http, user.email);

      const response = await t.http
        .get(`/admin/users/${user.user!.id}/sessions`)
        .auth(admin.accessToken, { type: 'bearer' })
        .expect(200);

      expect((response.body as { id: string }[]).map((session) => session.id)).toEqual([
        claimsOf(second.accessToken).sid,
        claimsOf(user.accessToken).sid,
      ]);
    });

    it('should revoke every session of a user, refresh and access tokens alike', async () => {
      const user = await registerUser(t.http);
      const second = await login(t.http, user.email);

      await t.http
        .post(`/admin/users/${user.user!.id}/revoke-sessions`)
        .auth(admin.accessToken, { type: 'bearer' })
        .expect(204);

      for (const session of [user, second]) {
        await t.http.get('/users/me').auth(session.accessToken, { type: 'bearer' }).expect(401);
        await refreshWithBody(t.http, session.refreshToken).expect(401, /session_revoked/);
      }
      const fresh = await login(t.http, user.email);
      const events = await t.http
        .get('/users/me/events')
        .auth(fresh.accessToken, { type: 'bearer' })
        .expect(200);
      const revoked = (events.body as { type: string; sessionId: string }[]).filter(
        (event) => event.type === 'session_revoked',
      );
      expect(revoked.map((event) => event.sessionId).sort()).toEqual(
        [claimsOf(user.accessToken).sid, claimsOf(second.accessToken).sid].sort(),
      );
    });

    it.each(['6f1c1a34-2d0b-4c37-9a4e-0b8e7f1d2c3b', 'not-a-uuid'])(
      'should answer 404 for the unknown user %s',
      async (id) => {
        await t.http
          .get(`/admin/users/${id}/sessions`)
          .auth(admin.accessToken, { type: 'bearer' })
          .expect(404);
        await t.http
          .post(`/admin/users/${id}/revoke-sessions`)
          .auth(admin.accessToken, { type: 'bearer' })
          .expect(404);
      },
    );

    it('should refuse a user without the admin role with 403 forbidden', async () => {
      const user = await registerUser(t.http);
      const target = await registerUser(t.http);

      const list = await t.http
        .get(`/admin/users/${target.user!.id}/sessions`)
        .auth(user.accessToken, { type: 'bearer' })
        .expect(403);
      await t.http
        .post(`/admin/users/${target.user!.id}/revoke-sessions`)
        .auth(user.accessToken, { type: 'bearer' })
        .expect(403);

      expect(list.body).toMatchObject({ status: 403, code: 'forbidden' });
      await refreshWithBody(t.http, target.refreshToken).expect(200);
    });

    it('should refuse an anonymous caller with 401', async () => {
      const target = await registerUser(t.http);

      await t.http
        .get(`/admin/users/${target.user!.id}/sessions`)
        .expect(401, /invalid_access_token/);
      await t.http.post(`/admin/users/${target.user!.id}/revoke-sessions`).expect(401);
    });
  });
});
