import { Injectable } from '@nestjs/common';

import { Sql, type SqlExecutor, type Statement } from 'src/database/sql';

export type LinkPurpose = 'verify_email' | 'change_email' | 'reset_password';

export interface LinkTokenRecord {
  userId: string;
  purpose: LinkPurpose;
  /** The address the link was sent to, and the only one it works for. */
  email: string;
}

interface LinkTokenRow {
  user_id: string;
  purpose: LinkPurpose;
  email: string;
}

/**
 * One link per user and purpose: a new one replaces the old, unless the old one went to the same
 * address less than the cooldown ago (`$7`, or no cooldown when `$8`), in which case nothing
 * changes and nothing is returned.
 */
const ISSUE: Statement = {
  text: `INSERT INTO link_tokens AS t (user_id, purpose, email, token_hash, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (user_id, purpose) DO UPDATE
           SET email = EXCLUDED.email, token_hash = EXCLUDED.token_hash,
               created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at
           WHERE $8::boolean OR t.created_at <= $7 OR t.email <> EXCLUDED.email
         RETURNING user_id`,
};

const FIND: Statement = {
  text: `SELECT user_id, purpose, email FROM link_tokens
         WHERE token_hash = $1 AND purpose = ANY ($2::text[]) AND expires_at > $3`,
};

/** Single use: of two requests with one token, one deletes it and the other finds nothing. */
const CONSUME: Statement = {
  text: `DELETE FROM link_tokens
         WHERE token_hash = $1 AND purpose = ANY ($2::text[]) AND expires_at > $3
         RETURNING user_id, purpose, email`,
};

const DELETE_OF_USER: Statement = {
  text: `DELETE FROM link_tokens WHERE user_id = $1 AND purpose = ANY ($2::text[])`,
};

const DELETE_EXPIRED: Statement = {
  text: `DELETE FROM link_tokens WHERE ctid IN (
           SELECT ctid FROM link_tokens WHERE expires_at <= $1 LIMIT $2)`,
};

function toRecord(row: LinkTokenRow): LinkTokenRecord {
  return { userId: row.user_id, purpose: row.purpose, email: row.email };
}

@Injectable()
export class LinkTokensRepository {
  constructor(private readonly sql: Sql) {}

  /** Whether the token was stored (false: a link of this purpose went out within the cooldown). */
  async issue(
    record: LinkTokenRecord,
    tokenHash: Buffer,
    {
      now,
      expiresAt,
      cooldownCutoff,
    }: { now: Date; expiresAt: Date; cooldownCutoff: Date | undefined },
    db: SqlExecutor = this.sql,
  ): Promise<boolean> {
    const rows = await db.rows(ISSUE, [
      record.userId,
      record.purpose,
      record.email,
      tokenHash,
      now,
      expiresAt,
      cooldownCutoff ?? now,
      // Without a cooldown a link always replaces the last, even one a concurrent request stamped later.
      cooldownCutoff === undefined,
    ]);
    return rows.length === 1;
  }

  async find(
    tokenHash: Buffer,
    purposes: LinkPurpose[],
    now: Date,
  ): Promise<LinkTokenRecord | undefined> {
    const [row] = await this.sql.rows<LinkTokenRow>(FIND, [tokenHash, purposes, now]);
    return row && toRecord(row);
  }

  async consume(
    tokenHash: Buffer,
    purposes: LinkPurpose[],
    now: Date,
    db: SqlExecutor = this.sql,
  ): Promise<LinkTokenRecord | undefined> {
    const [row] = await db.rows<LinkTokenRow>(CONSUME, [tokenHash, purposes, now]);
    return row && toRecord(row);
  }

  async deleteOfUser(
    userId: string,
    purposes: LinkPurpose[],
    db: SqlExecutor = this.sql,
  ): Promise<void> {
    await db.rowCount(DELETE_OF_USER, [userId, purposes]);
  }

  deleteExpired(now: Date, limit: number): Promise<number> {
    return this.sql.rowCount(DELETE_EXPIRED, [now, limit]);
  }
}
