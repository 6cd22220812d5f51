import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DataSource } from 'typeorm';

import { createApp } from 'src/create-app';
import { migrations } from 'src/database/migrations';
import { UsersService } from 'src/users/users.service';

import { refreshCookie } from 'test/support/cookies';
import { PASSWORD, registerUser, uniqueEmail, type TokenResponse } from 'test/support/factories';
import { sessionIdOf } from 'test/support/jwt';
import { describeWithServices, services } from 'test/support/services';
import { TcpProxy } from 'test/support/tcp-proxy';
import { startTestApp, testEnv, type TestApp } from 'test/support/test-app';

interface LogEntry {
  level: number;
  msg: string;
  context?: string;
  reqId?: string;
  req?: { method: string; url: string; route?: string; ip?: string };
  res?: { statusCode: number };
  responseTime?: number;
}

/** A log destination that keeps the lines it is given. */
function logCapture(): { write(line: string): void; entries(): LogEntry[] } {
  const lines: string[] = [];
  return {
    write: (line) => lines.push(line),
    entries: () => lines.map((line) => JSON.parse(line) as LogEntry),
  };
}

/** A port where nothing listens. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function messagesOf(entries: LogEntry[], context: string): string[] {
  return entries.filter((entry) => entry.context === context).map((entry) => entry.msg);
}

describe('operations', () => {
  describe('logs', () => {
    const lines: string[] = [];
    let t: TestApp;

    beforeAll(async () => {
      t = await startTestApp(
        { LOG_LEVEL: 'info' },
        { logDestination: { write: (line: string) => lines.push(line) } },
      );
    });

    afterAll(async () => {
      await t.close();
    });

    it('should write one JSON line per request with its request id, and never a secret', async () => {
      const email = uniqueEmail();
      const secrets: string[] = [PASSWORD, 'a changed passphrase'];
      const register = await t.http
        .post('/auth/register')
        .send({ email, password: PASSWORD })
        .expect(201);
      const cookie = refreshCookie(register.headers)!.value;
      const { accessToken } = register.body as TokenResponse;
      const refreshed = await t.http
        .post('/auth/refresh')
        .set('Cookie', `refresh_token=${cookie}`)
        .expect(200);
      // A client that misplaces its token in the query string.
      const me = await t.http
        .get(`/users/me?access_token=${accessToken}`)
        .auth(accessToken, { type: 'bearer' })
        .set('X-Request-Id', 'trace-42');
      await t.http
        .post('/users/me/password')
        .auth(accessToken, { type: 'bearer' })
        .send({ currentPassword: PASSWORD, newPassword: secrets[1] })
        .expect(204);
      await t.http.post('/auth/login').send({ email, password: 'a wrong guess!' }).expect(401);
      secrets.push(accessToken, cookie, refreshCookie(refreshed.headers)!.value);

      const requests = lines
        .map((line) => JSON.parse(line) as { msg: string; reqId?: string; req?: { url: string } })
        .filter((entry) => entry.msg === 'request completed');
      expect(requests.map((entry) => entry.req?.url)).toEqual([
        '/auth/register',
        '/auth/refresh',
        '/users/me',
        '/users/me/password',
        '/auth/login',
      ]);
      expect(requests[0].reqId).toBe(register.headers['x-request-id']);
      expect(requests[2].reqId).toBe('trace-42');
      expect(me.headers['x-request-id']).toBe('trace-42');
      const everything = lines.join('\n');
      for (const secret of secrets) {
        expect(everything).not.toContain(secret);
      }
      expect(everything).not.toMatch(/argon2id|authorization|"cookie"/i);
    });

    it('should log the client address, route pattern, status and time of each request', async () => {
      const user = await registerUser(t.http);
      const sessionId = sessionIdOf(user);

      const revoked = await t.http
        .delete(`/sessions/${sessionId}`)
        .auth(user.accessToken, { type: 'bearer' })
        .expect(204);

      const line = lines
        .map((raw) => JSON.parse(raw) as LogEntry)
        .find((entry) => entry.reqId === revoked.headers['x-request-id']);
      expect(line).toEqual(
        expect.objectContaining({
          msg: 'request completed',
          req: {
            method: 'DELETE',
            url: `/sessions/${sessionId}`,
            route: '/sessions/:id',
            ip: '127.0.0.1',
          },
          res: { statusCode: 204 },
          responseTime: expect.any(Number) as unknown,
        }),
      );
    });
  });

  describe('boot', () => {
    let dataDir: string;

    beforeAll(() => {
      dataDir = mkdtempSync(join(tmpdir(), 'warden-boot-'));
    });

    afterAll(() => {
      rmSync(dataDir, { recursive: true, force: true });
    });

    function boot(env: Record<string, string>, logDestination: ReturnType<typeof logCapture>) {
      return createApp({
        env: testEnv({ DATA_DIR: dataDir, LOG_LEVEL: 'info', ...env }),
        logDestination,
      });
    }

    /** Boots on the embedded database in `dataDir`, which starts empty, and shuts down. */
    async function bootAndStop(): Promise<LogEntry[]> {
      const logs = logCapture();
      const { app } = await boot({ DATABASE_URL: '' }, logs);
      await app.close();
      return logs.entries();
    }

    it('should log the migrations applied at boot, or that there were none', async () => {
      const first = await bootAndStop();
      const second = await bootAndStop();

      const names = migrations.map((migration) => migration.name);
      expect(messagesOf(first, 'Database')).toEqual([
        `Applied ${names.length} migrations: ${names.join(', ')}`,
      ]);
      expect(messagesOf(second, 'Database')).toEqual([
        'No pending migrations: the schema is up to date',
      ]);
    });

    it('should end a boot that cannot reach PostgreSQL with one line that names DATABASE_URL and the cause', async () => {
      const port = await closedPort();
      const logs = logCapture();

      const booting = boot(
        { DATABASE_URL: `postgres://warden:db-s3cret@127.0.0.1:${port}/warden` },
        logs,
      );

      const oneLine = `Cannot connect to the database in DATABASE_URL (postgres://warden:***@127.0.0.1:${port}/warden): connection refused (is PostgreSQL running and listening on 127.0.0.1:${port}?)`;
      await expect(booting).rejects.toThrow(oneLine);
      // A server that is starting up may accept a moment later: three attempts, each told.
      expect(messagesOf(logs.entries(), 'TypeOrmModule')).toEqual(
        [1, 2, 3].map(
          (attempt) =>
            `Unable to connect to the database. Message: ${oneLine}. Retrying (${attempt})...`,
        ),
      );
      expect(JSON.stringify(logs.entries())).not.toContain('db-s3cret');
    });

    describeWithServices('on PostgreSQL', () => {
      it('should not retry a connection that the server refuses for good', async () => {
        const url = new URL(services.postgresUrl!);
        url.pathname = '/warden_no_such_database';
        const logs = logCapture();

        const booting = boot({ DATABASE_URL: url.toString() }, logs);

        await expect(booting).rejects.toThrow(
          /^Cannot connect to the database in DATABASE_URL \(.+\/warden_no_such_database\): database "warden_no_such_database" does not exist$/,
        );
        expect(messagesOf(logs.entries(), 'TypeOrmModule')).toEqual([]);
      });
    });
  });

  describe('graceful shutdown', () => {
    it('should finish a request in flight, then stop accepting and close its pools, and log it', async () => {
      const logs = logCapture();
      const t = await startTestApp({ LOG_LEVEL: 'info' }, { logDestination: logs });
      const email = uniqueEmail();
      await t.http.post('/auth/register').send({ email, password: PASSWORD }).expect(201);

      // Hold a login inside the service until the shutdown has begun.
      const users = t.app.get(UsersService);
      const verify = users.checkPassword.bind(users);
      let arrived!: () => void;
      let release!: () => void;
      const inService = new Promise<void>((resolve) => (arrived = resolve));
      const held = new Promise<void>((resolve) => (release = resolve));
      jest.spyOn(users, 'checkPassword').mockImplementation(async (...args) => {
        arrived();
        await held;
        return verify(...args);
      });

      const inFlight = fetch(`${t.url}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: PASSWORD }),
      });
      await inService;
      let closed = false;
      const closing = t.close().then(() => (closed = true));
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(closed).toBe(false);

      release();
      const response = await inFlight;
      await closing;

      expect(response.status).toBe(200);
      expect(response.headers.get('connection')).toBe('close');
      await expect(fetch(`${t.url}/health/live`)).rejects.toThrow();
      expect(t.app.get(DataSource).isInitialized).toBe(false);
      const messages = logs
        .entries()
        .map((entry) => (entry.req ? `${entry.req.method} ${entry.req.url}` : entry.msg))
        .filter((message) => /^POST \/auth\/login$|^Shutting down|^Every request/.test(message));
      expect(messages).toEqual([
        'Shutting down: no new connections; answering the requests in flight',
        'POST /auth/login',
        'Every request answered; closing the connection pools',
      ]);
    });
  });

  describeWithServices('a database that goes down and comes back', () => {
    const logs = logCapture();
    let databaseProxy: TcpProxy;
    let t: TestApp;

    beforeAll(async () => {
      databaseProxy = await TcpProxy.start(services.postgresUrl!);
      t = await startTestApp(
        { DATABASE_URL: databaseProxy.urlFor(services.postgresUrl!), LOG_LEVEL: 'info' },
        { logDestination: logs },
      );
    });

    afterAll(async () => {
      await databaseProxy?.resume();
      await t?.close();
      await databaseProxy?.cut();
    });

    it('should say in readiness only which dependency is down, and log the outage once each way', async () => {
      const user = await registerUser(t.http);
      await databaseProxy.cut();

      await t.http.get('/users/me').auth(user.accessToken, { type: 'bearer' }).expect(503);
      await t.http.get('/users/me').auth(user.accessToken, { type: 'bearer' }).expect(503);
      const ready = await t.http.get('/health/ready').expect(503);
      await databaseProxy.resume();
      await t.http.get('/users/me').auth(user.accessToken, { type: 'bearer' }).expect(200);

      expect((ready.body as { checks: { database: unknown } }).checks.database).toEqual({
        status: 'down',
      });
      expect(ready.text).not.toContain(String(databaseProxy.port));
      expect(ready.text).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|terminated/i);
      const availability = messagesOf(logs.entries(), 'Database').filter((message) =>
        message.startsWith('The database is'),
      );
      expect(availability).toEqual([
        expect.stringMatching(
          /^The database is unreachable \(.+\); requests that need it answer 503 until it is back$/,
        ),
        'The database is reachable again',
      ]);
    });
  });
});
