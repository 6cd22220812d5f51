import { Logger } from '@nestjs/common';
import { Client } from 'pg';

/**
 * How a failure to reach PostgreSQL is told to the operator: at boot as one line that names
 * DATABASE_URL and the cause, later as one log line when the database goes away and one when it
 * is back. The password never appears.
 */

interface ConnectionErrorLike {
  code?: unknown;
  message?: unknown;
}

/** Failures that may pass by themselves (the server is starting, or busy): worth a retry. */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P03', // cannot_connect_now: the server is starting up or shutting down
  '53300', // too_many_connections
]);

const TIMEOUT_MESSAGE = /timeout/i;
/** What pg says when the server asks for a SCRAM password and it has none. */
const PASSWORD_MISSING_MESSAGE = /password must be a (non-empty )?string/i;

function errorLike(error: unknown): ConnectionErrorLike {
  return typeof error === 'object' && error !== null ? error : { message: String(error) };
}

/** A URL part as typed; percent-decoded when that is valid. */
function decoded(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

function parseUrl(databaseUrl: string): URL | undefined {
  try {
    return new URL(databaseUrl);
  } catch {
    return undefined;
  }
}

/** DATABASE_URL as it may be shown: the password masked, the query string (options) left out. */
export function displayDatabaseUrl(databaseUrl: string): string {
  const url = parseUrl(databaseUrl);
  if (!url) {
    return 'not a valid URL';
  }
  const credentials = url.username ? `${url.username}${url.password ? ':***' : ''}@` : '';
  return `${url.protocol}//${credentials}${url.host}${url.pathname}`;
}

function endpointOf(url: URL): string {
  return `${url.hostname || 'localhost'}:${url.port || '5432'}`;
}

/** The cause of a failed connection, in a few words that say what to check. */
export function describeConnectionFailure(error: unknown, databaseUrl: string): string {
  const url = parseUrl(databaseUrl);
  if (!url) {
    return 'DATABASE_URL is not a valid URL (postgres://user:password@host:5432/database)';
  }
  const { code, message } = errorLike(error);
  const text = typeof message === 'string' ? message : '';
  const user = decoded(url.username);
  const database = decoded(url.pathname.slice(1));
  if (PASSWORD_MISSING_MESSAGE.test(text) || (code === '28P01' && !url.password)) {
    return 'the server asks for a password, and DATABASE_URL has none (postgres://user:password@host/database)';
  }
  switch (code) {
    case 'ECONNREFUSED':
      return `connection refused (is PostgreSQL running and listening on ${endpointOf(url)}?)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `unknown host "${url.hostname}"`;
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `no answer from ${endpointOf(url)}`;
    case '28P01':
      return `password authentication failed for user "${user}"`;
    case '3D000':
      return `database "${database}" does not exist`;
    case '57P03':
      return 'the server is starting up or shutting down';
  }
  if (TIMEOUT_MESSAGE.test(text)) {
    return `no answer from ${endpointOf(url)} in time`;
  }
  // Anything else is the server's or the driver's own words (a role that does not exist, a
  // pg_hba.conf rule, TLS), which never contain the password; masked all the same.
  const passwords = [url.password, decoded(url.password)].filter((password) => password !== '');
  return passwords.reduce((masked, password) => masked.split(password).join('***'), text);
}

/** Whether retrying the connection may help: not for a wrong password or database name. */
export function isTransientConnectionFailure(error: unknown): boolean {
  const { code, message } = errorLike(error);
  return (
    (typeof code === 'string' && TRANSIENT_CODES.has(code)) ||
    (typeof message === 'string' && TIMEOUT_MESSAGE.test(message))
  );
}

/** Warden could not open its PostgreSQL database at boot. */
export class DatabaseConnectionError extends Error {
  readonly transient: boolean;

  constructor(databaseUrl: string, cause: unknown) {
    super(
      `Cannot connect to the database in DATABASE_URL (${displayDatabaseUrl(databaseUrl)}): ${describeConnectionFailure(cause, databaseUrl)}`,
    );
    this.name = new.target.name;
    this.transient = isTransientConnectionFailure(cause);
  }
}

/**
 * Logs once when connections to PostgreSQL start failing and once when one succeeds again, from
 * what the pool's own connections report: a connection that cannot be opened or is lost, and the
 * next one that opens. No polling. Failures before the first connection are the boot's to report.
 */
export class DatabaseAvailability {
  private readonly logger = new Logger('Database');
  private reachable: boolean | undefined;

  constructor(private readonly databaseUrl: string) {}

  /** A `pg` client class whose connections report here, for the pool's `Client` option. */
  reportingClient(): typeof Client {
    const connected = () => this.connected();
    const failed = (error: unknown) => this.failed(error);
    return class ReportingClient extends Client {
      constructor(...args: ConstructorParameters<typeof Client>) {
        super(...args);
        // Emitted when an open connection breaks, idle or in use.
        this.on('error', failed);
      }

      override connect(): Promise<Client>;
      override connect(callback: (error: Error) => void): void;
      override connect(callback?: (error: Error) => void): Promise<Client> | void {
        if (!callback) {
          return super.connect().then(
            (client) => {
              connected();
              return client;
            },
            (error: unknown) => {
              failed(error);
              throw error;
            },
          );
        }
        super.connect((error: Error | null) => {
          if (error) {
            failed(error);
          } else {
            connected();
          }
          callback(error as Error);
        });
      }
    };
  }

  private connected(): void {
    if (this.reachable === false) {
      this.logger.log('The database is reachable again');
    }
    this.reachable = true;
  }

  private failed(error: unknown): void {
    if (this.reachable) {
      this.logger.error(
        `The database is unreachable (${describeConnectionFailure(error, this.databaseUrl)}); requests that need it answer 503 until it is back`,
      );
      this.reachable = false;
    }
  }
}
