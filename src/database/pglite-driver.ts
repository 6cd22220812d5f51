import { EventEmitter } from 'node:events';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { PGlite, types, type Results } from '@electric-sql/pglite';

/**
 * The slice of the `pg` module that TypeORM's postgres driver uses, implemented over one embedded
 * PGlite database, so that the same driver, entities and migrations serve PostgreSQL and PGlite.
 *
 * PGlite is a single database session. Every client therefore leases it exclusively from
 * `connect()` to `release()`: two transactions can never interleave, and a waiting caller gets the
 * session only after the previous holder has committed or rolled back.
 */
export interface PgliteDriverOptions {
  /** A directory for the database files, or `memory://` for a throwaway database. */
  dataDir: string;
  /** How long `connect()` waits for the session before it fails. */
  acquireTimeoutMs?: number;
}

type QueryCallback = (error: Error | null, result?: PgQueryResult) => void;
type ConnectCallback = (
  error: Error | undefined,
  client?: PgliteClient,
  release?: (error?: unknown) => void,
) => void;

export interface PgStatement {
  name?: string;
  text: string;
  values?: unknown[];
}

export interface PgQueryResult {
  command: string;
  rowCount: number;
  rows: Record<string, unknown>[];
  fields: { name: string; dataTypeID: number }[];
}

const DEFAULT_ACQUIRE_TIMEOUT_MS = 10_000;

/** Parses results the way `pg` does by default, so code sees the same values on both databases. */
const PG_COMPATIBLE_PARSERS = {
  [types.INT8]: (value: string) => value,
};

export class SessionLeaseTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`Timed out after ${timeoutMs} ms waiting for the embedded database session`);
  }
}

/** A FIFO mutex: one holder at a time, waiters served in arrival order, each with a deadline. */
class SessionLease {
  private held = false;
  private readonly waiters: { grant: () => void; timer: NodeJS.Timeout }[] = [];

  acquire(timeoutMs: number): Promise<void> {
    if (!this.held) {
      this.held = true;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        grant: () => {
          clearTimeout(waiter.timer);
          resolve();
        },
        timer: setTimeout(() => {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          reject(new SessionLeaseTimeoutError(timeoutMs));
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) {
      next.grant();
    } else {
      this.held = false;
    }
  }
}

export class PgliteClient extends EventEmitter {
  constructor(
    private readonly database: PGlite,
    private readonly releaseLease: (error?: unknown) => void,
  ) {
    super();
  }

  query(text: string, callback: QueryCallback): void;
  query(text: string, values: unknown[] | undefined, callback: QueryCallback): void;
  query(text: string, values?: unknown[]): Promise<PgQueryResult>;
  query(
    text: string,
    valuesOrCallback?: unknown[] | QueryCallback,
    callback?: QueryCallback,
  ): Promise<PgQueryResult> | void {
    const values = typeof valuesOrCallback === 'function' ? undefined : valuesOrCallback;
    const done = typeof valuesOrCallback === 'function' ? valuesOrCallback : callback;
    const result = this.run(text, values);
    if (!done) {
      return result;
    }
    result.then(
      (value) => done(null, value),
      (error: Error) => done(error),
    );
  }

  release(error?: unknown): void {
    this.releaseLease(error);
  }

  private async run(text: string, values: unknown[] | undefined): Promise<PgQueryResult> {
    // Like `pg`, a statement without parameters goes through the simple query protocol, which
    // also accepts several statements at once.
    if (values && values.length > 0) {
      return toPgResult(await this.database.query(text, values));
    }
    const results = await this.database.exec(text);
    return toPgResult(results[results.length - 1]);
  }
}

function toPgResult(result: Results | undefined): PgQueryResult {
  const rows = (result?.rows ?? []) as Record<string, unknown>[];
  return {
    command: result?.command ?? '',
    rowCount: result?.rowCount ?? result?.affectedRows ?? rows.length,
    rows,
    fields: result?.fields ?? [],
  };
}

export class PglitePool extends EventEmitter {
  private readonly lease = new SessionLease();
  private readonly opened: Promise<{ database: PGlite; unlock: () => void }>;
  private readonly database: Promise<PGlite>;
  private readonly acquireTimeoutMs: number;

  constructor(options: PgliteDriverOptions) {
    super();
    this.acquireTimeoutMs = options.acquireTimeoutMs ?? DEFAULT_ACQUIRE_TIMEOUT_MS;
    this.opened = openDatabase(options.dataDir);
    this.database = this.opened.then(({ database }) => database);
    // Reported through connect(); keeps an early failure from becoming an unhandled rejection.
    this.database.catch(() => undefined);
  }

  connect(): Promise<PgliteClient>;
  connect(callback: ConnectCallback): void;
  connect(callback?: ConnectCallback): Promise<PgliteClient> | void {
    const client = this.lease
      .acquire(this.acquireTimeoutMs)
      .then(() => this.database)
      .then(
        (database) => new PgliteClient(database, (error) => this.release(database, error)),
        (error: unknown) => {
          if (!(error instanceof SessionLeaseTimeoutError)) {
            this.lease.release();
          }
          throw error;
        },
      );
    if (!callback) {
      return client;
    }
    client.then(
      (leased) => callback(undefined, leased, (error) => leased.release(error)),
      (error: Error) => callback(error),
    );
  }

  /** Like `pg`'s, also with a `{ name, text, values }` statement (a single session needs no names). */
  query(statement: string | PgStatement, values?: unknown[]): Promise<PgQueryResult> {
    const { text, values: parameters } =
      typeof statement === 'string' ? { text: statement, values } : statement;
    return this.connect().then(async (client) => {
      try {
        return await client.query(text, parameters);
      } finally {
        client.release();
      }
    });
  }

  async end(callback?: (error?: Error) => void): Promise<void> {
    try {
      await this.lease.acquire(this.acquireTimeoutMs);
      const { database, unlock } = await this.opened;
      await database.close();
      unlock();
      callback?.();
    } catch (error) {
      if (!callback) {
        throw error;
      }
      callback(error as Error);
    }
  }

  /** A holder that gives the session back after a failure may have left a transaction open. */
  private release(database: PGlite, error?: unknown): void {
    if (!error) {
      this.lease.release();
      return;
    }
    database
      .exec('ROLLBACK')
      .catch(() => undefined)
      .finally(() => this.lease.release());
  }
}

export class DatabaseInUseError extends Error {
  constructor(dataDir: string, pid: number) {
    super(
      `The embedded database in ${dataDir} is in use by process ${pid}. PGlite allows one process: stop that one, or use PostgreSQL (DATABASE_URL).`,
    );
  }
}

/** Lock files held by this process: a second open from the same process is refused too. */
const openInThisProcess = new Set<string>();

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Claims the data directory for this process: two processes on one PGlite directory would
 * corrupt it. A lock left by a process that is gone is taken over.
 */
function lockDataDir(dataDir: string): () => void {
  const lockFile = join(dataDir, 'warden.lock');
  if (openInThisProcess.has(lockFile)) {
    throw new DatabaseInUseError(dataDir, process.pid);
  }
  for (;;) {
    try {
      writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      openInThisProcess.add(lockFile);
      return () => {
        openInThisProcess.delete(lockFile);
        rmSync(lockFile, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw error;
      }
      const holder = Number(readFileSync(lockFile, 'utf8'));
      if (holder !== process.pid && isRunning(holder)) {
        throw new DatabaseInUseError(dataDir, holder);
      }
      rmSync(lockFile, { force: true });
    }
  }
}

async function openDatabase(dataDir: string): Promise<{ database: PGlite; unlock: () => void }> {
  if (dataDir.includes('://')) {
    return {
      database: await PGlite.create(dataDir, { parsers: PG_COMPATIBLE_PARSERS }),
      unlock: () => {},
    };
  }
  mkdirSync(dataDir, { recursive: true });
  const unlock = lockDataDir(dataDir);
  try {
    return { database: await PGlite.create(dataDir, { parsers: PG_COMPATIBLE_PARSERS }), unlock };
  } catch (error) {
    unlock();
    throw error;
  }
}

/** The object to pass as TypeORM's `driver` option in place of the `pg` module. */
export function createPgliteDriver(options: PgliteDriverOptions): { Pool: new () => PglitePool } {
  return {
    Pool: class extends PglitePool {
      constructor() {
        super(options);
      }
    },
  };
}
