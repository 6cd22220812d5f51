import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

import type { PgQueryResult, PgStatement } from 'src/database/pglite-driver';

/** A statement prepared once per connection, under its name. */
export interface PreparedStatement {
  name: string;
  text: string;
}

interface Pool {
  query(statement: PgStatement): Promise<PgQueryResult>;
}

/**
 * Typed SQL straight on the connection pool under TypeORM, for the statements on the hot paths
 * (every authenticated read, every refresh): no query builder, no entity hydration, and each
 * statement parsed and planned once per connection. Everything else goes through repositories.
 */
@Injectable()
export class Sql {
  constructor(private readonly dataSource: DataSource) {}

  async rows<Row>({ name, text }: PreparedStatement, values: unknown[]): Promise<Row[]> {
    const { rows } = await this.pool().query({ name, text, values });
    return rows as Row[];
  }

  private pool(): Pool {
    return (this.dataSource.driver as PostgresDriver).master as Pool;
  }
}
