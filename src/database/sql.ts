import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

import type { PgQueryResult, PgStatement } from 'src/database/pglite-driver';

/**
 * A SQL statement. One with a `name` is prepared once per connection and then only executed:
 * name the statements on the hot paths (every authenticated request, refresh, login).
 */
export interface Statement {
  name?: string;
  text: string;
}

/**
 * Where a repository runs its statements: `Sql` itself (each statement on its own), or the
 * transaction `Sql.transaction` hands its callback. Repository methods that take part in a
 * transaction accept one, defaulting to `Sql`.
 */
export interface SqlExecutor {
  rows<Row>(statement: Statement, values?: unknown[]): Promise<Row[]>;
  /** The number of rows an INSERT, UPDATE or DELETE changed. */
  rowCount(statement: Statement, values?: unknown[]): Promise<number>;
}

interface Client {
  query(text: string, values?: unknown[]): Promise<PgQueryResult>;
  release(error?: unknown): void;
}

interface Pool {
  query(statement: PgStatement): Promise<PgQueryResult>;
  connect(): Promise<Client>;
}

class Transaction implements SqlExecutor {
  constructor(private readonly client: Client) {}

  async rows<Row>(statement: Statement, values: unknown[] = []): Promise<Row[]> {
    return (await this.client.query(statement.text, values)).rows as Row[];
  }

  async rowCount(statement: Statement, values: unknown[] = []): Promise<number> {
    return (await this.client.query(statement.text, values)).rowCount ?? 0;
  }
}

/**
 * SQL straight on the connection pool under TypeORM, with typed results: rows as the statement
 * returns them, or the number of rows it changed. Repositories use it for the statements on the hot
 * paths and for those TypeORM's API cannot express (conditional upserts, `UPDATE … RETURNING`,
 * set-based deletes); see ARCHITECTURE.md, "Data access".
 */
@Injectable()
export class Sql implements SqlExecutor {
  constructor(private readonly dataSource: DataSource) {}

  async rows<Row>(statement: Statement, values: unknown[] = []): Promise<Row[]> {
    const { rows } = await this.run(statement, values);
    return rows as Row[];
  }

  async rowCount(statement: Statement, values: unknown[] = []): Promise<number> {
    return (await this.run(statement, values)).rowCount ?? 0;
  }

  /**
   * Runs `work` in one transaction on one connection: committed when it resolves, rolled back when
   * it throws. Keep slow work (argon2, network) outside: the connection is held throughout.
   */
  async transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await this.pool().connect();
    try {
      await client.query('BEGIN');
      const result = await work(new Transaction(client));
      await client.query('COMMIT');
      client.release();
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
        client.release();
      } catch (rollbackError) {
        // A connection that cannot roll back is broken: the pool must not hand it out again.
        client.release(rollbackError);
      }
      throw error;
    }
  }

  private run({ name, text }: Statement, values: unknown[]): Promise<PgQueryResult> {
    return this.pool().query({ name, text, values });
  }

  private pool(): Pool {
    return (this.dataSource.driver as PostgresDriver).master as Pool;
  }
}
