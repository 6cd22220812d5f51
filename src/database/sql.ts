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

interface Pool {
  query(statement: PgStatement): Promise<PgQueryResult>;
}

/**
 * SQL straight on the connection pool under TypeORM, with typed results: rows as the statement
 * returns them, or the number of rows it changed. Repositories use it for the statements on the hot
 * paths and for those TypeORM's API cannot express (conditional upserts, `UPDATE … RETURNING`,
 * set-based deletes); see ARCHITECTURE.md, "Data access".
 */
@Injectable()
export class Sql {
  constructor(private readonly dataSource: DataSource) {}

  async rows<Row>(statement: Statement, values: unknown[] = []): Promise<Row[]> {
    const { rows } = await this.run(statement, values);
    return rows as Row[];
  }

  /** The number of rows an INSERT, UPDATE or DELETE changed. */
  async rowCount(statement: Statement, values: unknown[] = []): Promise<number> {
    return (await this.run(statement, values)).rowCount ?? 0;
  }

  private run({ name, text }: Statement, values: unknown[]): Promise<PgQueryResult> {
    return this.pool().query({ name, text, values });
  }

  private pool(): Pool {
    return (this.dataSource.driver as PostgresDriver).master as Pool;
  }
}
