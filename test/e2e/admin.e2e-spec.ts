import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';

import { randomBytes } from 'node:crypto';

import { DataSource } from 'typeorm';

import { runCli } from 'src/cli';

import {
  login,
  PASSWORD,
  refreshWithBody,
  registerUser,
  uniqueEmail,
} from 'test/support/factories';
import { claimsOf } from 'test/support/jwt';
import { SmtpSink, tokenIn } from 'test/support/smtp-sink';
import { startTestApp, testEnv, type TestApp } from 'test/support/test-app';

const ADMIN_PASSWORD = 'the admin passphrase';
const UNKNOWN_ID = '6f1c1a34-2d0b-4c37-9a4e-0b8e7f1d2c3b';

interface AdminUser {
  id: string;
  email: string;
  emailVerified: boolean;
  displayName: string | null;
  roles: string[];
  createdAt: string;
  disabledAt: string | null;
  mfaEnabled: boolean;
  activeSessions: number;
}

interface AdminUserPage {
  items: AdminUser[];
  nextCursor: string | null;
}

type Method = 'get' | 'post' | 'put' | 'delete';

/** Every route about one user, with a body it accepts. */
function userRoutes(id: string): [Method, string, object?][] {
  return [
    ['get', `/admin/users/${id}`],
    ['post', `/admin/users/${id}/disable`],
    ['post', `/admin/users/${id}/enable`],
    ['put', `/admin/users/${id}/roles`, { roles: ['editor'] }],
    ['post', `/admin/users/${id}/password-reset`],
    ['delete', `/admin/users/${id}`],
    ['get', `/admin/users/${id}/sessions`],
    ['post', `/admin/users/${id}/revoke-sessions`],
  ];
}

/** A prefix no other spec's emails start with. */
function uniquePrefix(label: string): string {
  return `${label}${randomBytes(6).toString('hex')}`;
}

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
    let sink: SmtpSink;

    beforeAll(async () => {
      sink = await SmtpSink.start();
      t = await startTestApp({
        DATA_DIR: dataDir,
        MAIL_URL: sink.url,
        MAIL_COOLDOWN: '0',
        RATE_LIMIT_MAIL: '100000/60s',
        RATE_LIMIT_LINK: '100000/60s',
      });
      admin = await login(t.http, adminEmail, ADMIN_PASSWORD);
    });

    afterAll(async () => {
      await t?.close();
      await sink?.close();
    });

    function asAdmin(method: Method, path: string) {
      return t.http[method](path).auth(admin.accessToken, { type: 'bearer' });
    }

    /** The route called with its body, if it takes one. */
    function call(method: Method, path: string, body: object | undefined, accessToken?: string) {
      const test = accessToken
        ? t.http[method](path).auth(accessToken, { type: 'bearer' })
        : t.http[method](path);
      return body ? test.send(body) : test;
    }

    async function adminUser(id: string): Promise<AdminUser> {
      return (await asAdmin('get', `/admin/users/${id}`).expect(200)).body as AdminUser;
    }

    async function page(query: Record<string, string | number>): Promise<AdminUserPage> {
      const response = await asAdmin('get', '/admin/users').query(query).expect(200);
      return response.body as AdminUserPage;
    }

    async function eventTypes(email: string, password = PASSWORD): Promise<string[]> {
      const { accessToken } = await login(t.http, email, password);
      const events = await t.http
        .get('/users/me/events')
        .query({ limit: 100 })
        .auth(accessToken, { type: 'bearer' })
        .expect(200);
      return (events.body as { type: string }[]).map((event) => event.type);
    }

    it('should put the admin role in the access token of an administrator', async () => {
      expect(claimsOf(admin.accessToken).roles).toEqual(['user', 'admin']);
      // The operator vouches for a new administrator's address (EMAIL_VERIFICATION=required).
      expect(claimsOf(admin.accessToken).email_verified).toBe(true);
      expect(
        claimsOf((await login(t.http, stdinAdminEmail, ADMIN_PASSWORD)).accessToken).roles,
      ).toContain('admin');
    });

    describe('GET /admin/users/:id', () => {
      it('should answer the admin user shape, with the number of active sessions', async () => {
        const user = await registerUser(t.http, { displayName: 'Ada Lovelace' });
        await login(t.http, user.email);

        const body = await adminUser(user.user!.id);

        expect(body).toEqual({
          id: user.user!.id,
          email: user.email,
          emailVerified: false,
          displayName: 'Ada Lovelace',
          roles: ['user'],
          createdAt: user.user!.createdAt,
          disabledAt: null,
          mfaEnabled: false,
          activeSessions: 2,
        });
      });

      it('should not count ended sessions', async () => {
        const user = await registerUser(t.http);
        const second = await login(t.http, user.email);
        await t.http.post('/auth/logout').send({ refreshToken: second.refreshToken }).expect(204);

        expect((await adminUser(user.user!.id)).activeSessions).toBe(1);
      });
    });

    describe('GET /admin/users', () => {
      it('should page through the users whose email starts with a prefix, in email order', async () => {
        const prefix = uniquePrefix('page');
        const emails = ['a', 'b', 'c', 'd', 'e'].map((letter) => `${prefix}-${letter}@example.com`);
        for (const email of [...emails].reverse()) {
          await registerUser(t.http, { email });
        }
        await registerUser(t.http, { email: `other-${prefix}@example.com` });

        const first = await page({ email: prefix.toUpperCase(), limit: 2 });
        const second = await page({ email: prefix, limit: 2, cursor: first.nextCursor! });
        const last = await page({ email: prefix, limit: 2, cursor: second.nextCursor! });

        expect([first, second, last].map(({ items }) => items.map((item) => item.email))).toEqual([
          emails.slice(0, 2),
          emails.slice(2, 4),
          emails.slice(4),
        ]);
        expect(first.nextCursor).toEqual(expect.any(String));
        expect(last.nextCursor).toBeNull();
        expect(last.items[0]).toEqual({
          id: expect.any(String) as unknown,
          email: emails[4],
          emailVerified: false,
          displayName: null,
          roles: ['user'],
          createdAt: expect.any(String) as unknown,
          disabledAt: null,
          mfaEnabled: false,
          activeSessions: 1,
        });
      });

      it('should answer a null nextCursor when the last page is exactly full', async () => {
        const prefix = uniquePrefix('full');
        await registerUser(t.http, { email: `${prefix}-a@example.com` });
        await registerUser(t.http, { email: `${prefix}-b@example.com` });

        const only = await page({ email: prefix, limit: 2 });

        expect(only.items).toHaveLength(2);
        expect(only.nextCursor).toBeNull();
      });

      it('should count the active sessions of every user on the page', async () => {
        const prefix = uniquePrefix('count');
        const busy = await registerUser(t.http, { email: `${prefix}-a@example.com` });
        await login(t.http, busy.email);
        await login(t.http, busy.email);
        const idle = await registerUser(t.http, { email: `${prefix}-b@example.com` });
        await asAdmin('post', `/admin/users/${idle.user!.id}/revoke-sessions`).expect(204);

        const { items } = await page({ email: prefix });

        expect(items.map((item) => [item.email, item.activeSessions])).toEqual([
          [busy.email, 3],
          [idle.email, 0],
        ]);
      });

      it.each(['%', '_'])('should take %s in the prefix literally', async (wildcard) => {
        const prefix = uniquePrefix('literal');
        const literal = `${prefix}${wildcard}x@example.com`;
        await registerUser(t.http, { email: literal });
        await registerUser(t.http, { email: `${prefix}ax@example.com` });
        await registerUser(t.http, { email: `${prefix}abx@example.com` });

        const { items } = await page({ email: `${prefix}${wildcard}` });

        expect(items.map((item) => item.email)).toEqual([literal]);
        expect((await page({ email: prefix })).items).toHaveLength(3);
      });

      it('should list everyone without a prefix, 20 at a time', async () => {
        for (let i = 0; i < 21; i += 1) {
          await registerUser(t.http);
        }

        const first = await page({});

        expect(first.items).toHaveLength(20);
        expect(first.nextCursor).toEqual(expect.any(String));
      });

      it.each([1, 100])('should accept a limit of %s', async (limit) => {
        const { items } = await page({ limit });

        expect(items.length).toBeLessThanOrEqual(limit);
        expect(items.length).toBeGreaterThan(0);
      });

      it.each([
        ['0', 'limit must not be less than 1'],
        ['-1', 'limit must not be less than 1'],
        ['101', 'limit must not be greater than 100'],
        ['1.5', 'limit must be an integer number'],
        ['1e1', 'limit must be an integer number'],
        ['ten', 'limit must be an integer number'],
        ['', 'limit must be an integer number'],
        ['99999999999999999999', 'limit must be an integer number'],
      ])('should refuse the limit %p with 400 validation_failed', async (limit, message) => {
        const response = await asAdmin('get', '/admin/users').query({ limit }).expect(400);

        expect(response.body).toMatchObject({
          status: 400,
          code: 'validation_failed',
          errors: [{ field: 'limit', message }],
        });
      });

      it.each([
        ['not base64url', '$$$'],
        ['padded', 'YQ=='],
        ['with stray bits', 'YR'],
        ['not UTF-8', '_w'],
        ['a control character', 'AA'],
        ['too long', 'a'.repeat(2_000)],
      ])('should refuse a cursor that is %s with 400 validation_failed', async (_case, cursor) => {
        const response = await asAdmin('get', '/admin/users').query({ cursor }).expect(400);

        expect(response.body).toMatchObject({
          status: 400,
          code: 'validation_failed',
          errors: [{ field: 'cursor', message: expect.any(String) as unknown }],
        });
      });

      it('should refuse a repeated parameter and an unknown one with 400', async () => {
        await asAdmin('get', '/admin/users?cursor=YQ&cursor=Yg').expect(400, /validation_failed/);
        await asAdmin('get', '/admin/users?email=a&email=b').expect(400, /validation_failed/);
        await asAdmin('get', '/admin/users?limit=1&limit=2').expect(400, /validation_failed/);
        await asAdmin('get', '/admin/users?role=admin').expect(400, /validation_failed/);
        await asAdmin('get', '/admin/users?email=a%00b').expect(400, /validation_failed/);
      });
    });

    describe('POST /admin/users/:id/disable and /enable', () => {
      it('should end every session of a disabled user and refuse its password with 403', async () => {
        const user = await registerUser(t.http);
        const second = await login(t.http, user.email);

        await asAdmin('post', `/admin/users/${user.user!.id}/disable`).expect(204);

        for (const session of [user, second]) {
          await t.http.get('/users/me').auth(session.accessToken, { type: 'bearer' }).expect(401);
          await refreshWithBody(t.http, session.refreshToken).expect(401, /session_revoked/);
        }
        const rightPassword = await t.http
          .post('/auth/login')
          .send({ email: user.email, password: PASSWORD, transport: 'body' })
          .expect(403);
        expect(rightPassword.body).toMatchObject({ status: 403, code: 'account_disabled' });
        await t.http
          .post('/auth/login')
          .send({ email: user.email, password: 'not the password at all', transport: 'body' })
          .expect(401, /invalid_credentials/);
        const shown = await adminUser(user.user!.id);
        expect(shown).toMatchObject({ activeSessions: 0, disabledAt: expect.any(String) });
        expect(Date.parse(shown.disabledAt!)).toBeLessThanOrEqual(Date.now());
      });

      it('should refuse to refresh a session of an account disabled by hand in SQL', async () => {
        const user = await registerUser(t.http);
        await t.app
          .get(DataSource)
          .query(`UPDATE users SET disabled_at = now() WHERE id = $1`, [user.user!.id]);

        await refreshWithBody(t.http, user.refreshToken).expect(401, /session_revoked/);
      });

      it('should let an enabled user log in again, and record each change once', async () => {
        const user = await registerUser(t.http);
        const id = user.user!.id;

        await asAdmin('post', `/admin/users/${id}/disable`).expect(204);
        const { disabledAt } = await adminUser(id);
        await asAdmin('post', `/admin/users/${id}/disable`).expect(204);
        expect((await adminUser(id)).disabledAt).toBe(disabledAt);
        await asAdmin('post', `/admin/users/${id}/enable`).expect(204);
        await asAdmin('post', `/admin/users/${id}/enable`).expect(204);

        expect((await adminUser(id)).disabledAt).toBeNull();
        const types = await eventTypes(user.email);
        expect(types.filter((type) => type === 'account_disabled')).toHaveLength(1);
        expect(types.filter((type) => type === 'account_enabled')).toHaveLength(1);
        expect(types.indexOf('account_enabled')).toBeLessThan(types.indexOf('account_disabled'));
      });

      it('should leave an enabled user alone when it is enabled', async () => {
        const user = await registerUser(t.http);

        await asAdmin('post', `/admin/users/${user.user!.id}/enable`).expect(204);

        await refreshWithBody(t.http, user.refreshToken).expect(200);
        expect(await eventTypes(user.email)).not.toContain('account_enabled');
      });
    });

    describe('PUT /admin/users/:id/roles', () => {
      it('should replace the roles, keep user, and put them in refreshed tokens', async () => {
        const user = await registerUser(t.http);
        const id = user.user!.id;

        const response = await asAdmin('put', `/admin/users/${id}/roles`)
          .send({ roles: ['editor', 'billing_admin-2'] })
          .expect(200);

        expect(response.body).toMatchObject({
          id,
          roles: ['user', 'editor', 'billing_admin-2'],
          activeSessions: 1,
        });
        const refreshed = await refreshWithBody(t.http, user.refreshToken).expect(200);
        expect(claimsOf((refreshed.body as { accessToken: string }).accessToken).roles).toEqual([
          'user',
          'editor',
          'billing_admin-2',
        ]);
      });

      it.each([
        [[], ['user']],
        [['user'], ['user']],
        [
          ['admin', 'user'],
          ['user', 'admin'],
        ],
      ])('should store %j as %j', async (roles, stored) => {
        const user = await registerUser(t.http);

        await asAdmin('put', `/admin/users/${user.user!.id}/roles`).send({ roles }).expect(200);

        expect((await adminUser(user.user!.id)).roles).toEqual(stored);
      });

      const ROLE_RULE =
        'each role must be a lower-case letter followed by up to 31 lower-case letters, digits, _ or -';

      it.each([
        ['an upper-case role', { roles: ['Editor'] }, ROLE_RULE],
        ['a role starting with a digit', { roles: ['1st'] }, ROLE_RULE],
        ['an empty role', { roles: [''] }, ROLE_RULE],
        ['a role of 33 characters', { roles: ['a'.repeat(33)] }, ROLE_RULE],
        ['a role with a space', { roles: ['an editor'] }, ROLE_RULE],
        ['a role that is not text', { roles: [42] }, 'each value in roles must be a string'],
        ['a repeated role', { roles: ['editor', 'editor'] }, 'roles must not contain a role twice'],
        [
          '21 roles',
          { roles: Array.from({ length: 21 }, (_, i) => `role${i}`) },
          'roles must contain no more than 20 elements',
        ],
        ['roles that are not a list', { roles: 'editor' }, 'roles must be an array'],
        ['no roles', {}, 'roles must be an array'],
      ])('should refuse %s with 400 validation_failed', async (_case, body, message) => {
        const user = await registerUser(t.http);

        const response = await asAdmin('put', `/admin/users/${user.user!.id}/roles`)
          .send(body)
          .expect(400);

        expect(response.body).toMatchObject({
          status: 400,
          code: 'validation_failed',
          errors: [{ field: 'roles', message }],
        });
        expect((await adminUser(user.user!.id)).roles).toEqual(['user']);
      });

      it('should refuse an unknown field with 400 validation_failed', async () => {
        const user = await registerUser(t.http);

        await asAdmin('put', `/admin/users/${user.user!.id}/roles`)
          .send({ roles: ['editor'], admin: true })
          .expect(400, /validation_failed/);

        expect((await adminUser(user.user!.id)).roles).toEqual(['user']);
      });

      it('should accept 20 roles of 32 characters', async () => {
        const user = await registerUser(t.http);
        const roles = Array.from({ length: 20 }, (_, i) => `r${String(i).padStart(31, '0')}`);

        await asAdmin('put', `/admin/users/${user.user!.id}/roles`).send({ roles }).expect(200);

        expect((await adminUser(user.user!.id)).roles).toEqual(['user', ...roles]);
      });
    });

    describe('DELETE /admin/users/:id', () => {
      it('should delete the account: its tokens stop and its email can register again', async () => {
        const user = await registerUser(t.http);
        const id = user.user!.id;

        await asAdmin('delete', `/admin/users/${id}`).expect(204);

        await asAdmin('get', `/admin/users/${id}`).expect(404, /not_found/);
        await asAdmin('delete', `/admin/users/${id}`).expect(404, /not_found/);
        await t.http.get('/users/me').auth(user.accessToken, { type: 'bearer' }).expect(401);
        await refreshWithBody(t.http, user.refreshToken).expect(401, /session_revoked/);
        await t.http
          .post('/auth/login')
          .send({ email: user.email, password: PASSWORD, transport: 'body' })
          .expect(401, /invalid_credentials/);
        const again = await registerUser(t.http, { email: user.email });
        expect(again.user!.id).not.toBe(id);
      });
    });

    describe('POST /admin/users/:id/password-reset', () => {
      it('should mail the user a reset link that sets a new password', async () => {
        const user = await registerUser(t.http);

        const response = await asAdmin(
          'post',
          `/admin/users/${user.user!.id}/password-reset`,
        ).expect(202);

        expect(response.body).toEqual({
          message: 'If this address can receive it, a mail is on its way.',
        });
        const mail = await sink.waitForMail({ to: user.email, subject: /reset/i });
        await t.http
          .post('/auth/password/reset')
          .send({ token: tokenIn(mail), newPassword: 'a brand new passphrase' })
          .expect(204);
        await refreshWithBody(t.http, user.refreshToken).expect(401, /session_revoked/);
        await login(t.http, user.email, 'a brand new passphrase');
      });
    });

    it.each([UNKNOWN_ID, 'not-a-uuid'])(
      'should answer 404 not_found for the unknown user %s on every route',
      async (id) => {
        for (const [method, path, body] of userRoutes(id)) {
          const response = await call(method, path, body, admin.accessToken).expect(404);

          expect(response.body).toMatchObject({ status: 404, code: 'not_found' });
        }
      },
    );

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

    it('should refuse a user without the admin role with 403 forbidden, changing nothing', async () => {
      const user = await registerUser(t.http);
      const target = await registerUser(t.http);

      for (const [method, path, body] of [
        ['get', '/admin/users'] as [Method, string],
        ...userRoutes(target.user!.id),
      ]) {
        const response = await call(method, path, body, user.accessToken).expect(403);

        expect(response.body).toMatchObject({ status: 403, code: 'forbidden' });
      }
      await refreshWithBody(t.http, target.refreshToken).expect(200);
      expect(await adminUser(target.user!.id)).toMatchObject({
        roles: ['user'],
        disabledAt: null,
      });
    });

    it('should refuse an anonymous caller with 401', async () => {
      const target = await registerUser(t.http);

      for (const [method, path, body] of [
        ['get', '/admin/users'] as [Method, string],
        ...userRoutes(target.user!.id),
      ]) {
        await t.http[method](path)
          .send(body)
          .expect(401, /invalid_access_token/);
      }
      await refreshWithBody(t.http, target.refreshToken).expect(200);
    });
  });
});
