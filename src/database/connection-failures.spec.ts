import { createServer, type AddressInfo, type Socket } from 'node:net';

import { Client } from 'pg';

import { DatabaseConnectionError, displayDatabaseUrl } from 'src/database/connection-failures';

import { describeWithServices, services } from 'test/support/services';

/** The error `pg` itself raises for `url`: what DataSource.initialize() throws at boot. */
async function connectionErrorOf(url: string): Promise<unknown> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 500 });
  const error: unknown = await client.connect().then(
    () => new Error(`connected to ${url}`),
    (failure: unknown) => failure,
  );
  // Closes a socket that a failed handshake left open; resolves only once it is closed.
  client.end().catch(() => undefined);
  return error;
}

interface TestServer {
  port: number;
  close(): Promise<void>;
}

/** A TCP server on 127.0.0.1 that `onConnection` speaks for; `close` drops its connections. */
async function listen(
  onConnection: (socket: Socket) => void = () => undefined,
): Promise<TestServer> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => socket.destroy());
    socket.on('close', () => sockets.delete(socket));
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      sockets.forEach((socket) => socket.destroy());
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A port where nothing listens. */
async function closedPort(): Promise<number> {
  const server = await listen();
  await server.close();
  return server.port;
}

function authenticationRequest(type: number, data: string): Buffer {
  const body = Buffer.from(data);
  const header = Buffer.alloc(9);
  header.write('R', 0);
  header.writeInt32BE(8 + body.length, 1);
  header.writeInt32BE(type, 5);
  return Buffer.concat([header, body]);
}

/**
 * The first two messages of PostgreSQL's SCRAM-SHA-256 authentication, as a server whose
 * pg_hba.conf says `scram-sha-256` sends them (the machine's own PostgreSQL trusts local clients).
 */
function askForAScramPassword(socket: Socket): void {
  let received = 0;
  socket.on('data', () => {
    received += 1;
    if (received === 1) {
      socket.write(authenticationRequest(10, 'SCRAM-SHA-256\0\0')); // AuthenticationSASL
    } else {
      socket.write(authenticationRequest(11, 'r=server-nonce,s=c2FsdA==,i=4096')); // SASLContinue
    }
  });
}

describe(DatabaseConnectionError.name, () => {
  it('should name DATABASE_URL and say the connection was refused, never showing the password', async () => {
    const port = await closedPort();
    const url = `postgres://warden:s3cr%21t-pw@127.0.0.1:${port}/warden`;

    const error = new DatabaseConnectionError(url, await connectionErrorOf(url));

    expect(error.message).toBe(
      `Cannot connect to the database in DATABASE_URL (postgres://warden:***@127.0.0.1:${port}/warden): connection refused (is PostgreSQL running and listening on 127.0.0.1:${port}?)`,
    );
    expect(error.message).not.toMatch(/s3cr/);
    expect(error.transient).toBe(true);
  });

  it('should say that the host is unknown', async () => {
    const url = 'postgres://warden@no-such-host.invalid:5432/warden';

    const error = new DatabaseConnectionError(url, await connectionErrorOf(url));

    expect(error.message).toMatch(/: unknown host "no-such-host\.invalid"$/);
  });

  it('should say that the server did not answer in time', async () => {
    const silent = await listen();
    const url = `postgres://warden@127.0.0.1:${silent.port}/warden`;

    const error = new DatabaseConnectionError(url, await connectionErrorOf(url));
    await silent.close();

    expect(error.message).toMatch(/: no answer from 127\.0\.0\.1:\d+ in time$/);
    expect(error.transient).toBe(true);
  });

  it('should say that DATABASE_URL has no password when the server asks for one', async () => {
    const server = await listen(askForAScramPassword);
    const url = `postgres://warden@127.0.0.1:${server.port}/warden`;

    const cause = await connectionErrorOf(url);
    const error = new DatabaseConnectionError(url, cause);
    await server.close();

    expect((cause as Error).message).toMatch(/^SASL: SCRAM-SERVER-FIRST-MESSAGE/);
    expect(error.message).toMatch(
      /: the server asks for a password, and DATABASE_URL has none \(postgres:\/\/user:password@host\/database\)$/,
    );
    expect(error.transient).toBe(false);
  });

  describeWithServices('against PostgreSQL', () => {
    function withPart(part: 'pathname' | 'username', value: string): string {
      const url = new URL(services.postgresUrl!);
      url[part] = value;
      return url.toString();
    }

    it('should say that the database does not exist', async () => {
      const url = withPart('pathname', '/warden_no_such_database');

      const error = new DatabaseConnectionError(url, await connectionErrorOf(url));

      expect(error.message).toMatch(/: database "warden_no_such_database" does not exist$/);
      expect(error.transient).toBe(false);
    });

    it("should repeat the server's reason for refusing a role", async () => {
      const url = withPart('username', 'warden_no_such_role');

      const error = new DatabaseConnectionError(url, await connectionErrorOf(url));

      expect(error.message).toMatch(/: role "warden_no_such_role" does not exist$/);
      expect(error.transient).toBe(false);
    });
  });
});

describe('displayDatabaseUrl', () => {
  it('should mask the password and leave out the query string', () => {
    expect(displayDatabaseUrl('postgres://warden:pw@db:5432/warden?sslmode=require')).toBe(
      'postgres://warden:***@db:5432/warden',
    );
  });
});
