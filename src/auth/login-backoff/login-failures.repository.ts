import { Injectable } from '@nestjs/common';

import { Sql, type Statement } from 'src/database/sql';

export interface FailurePolicy {
  now: Date;
  /** Failures older than this are forgotten: counting starts again. */
  forgetBefore: Date;
  /** The failure that starts the waits; the wait doubles with each one after it. */
  after: number;
  maxSeconds: number;
}

/** The n-th consecutive attempt (n >= after) makes the next one wait 2^(n - after) s, at most max. */
const COUNT = `CASE WHEN f.updated_at < $3::timestamptz THEN 1 ELSE f.failures + 1 END`;

/**
 * Counts an attempt before its password is checked, and sets the wait it imposes on the next, in
 * one statement: concurrent attempts serialise on the row, so each one in flight counts. An attempt
 * that finds a wait running changes nothing and gets no row back.
 */
const RESERVE: Statement = {
  name: 'login_failures_reserve',
  text: `
  INSERT INTO login_failures AS f (key_digest, failures, blocked_until, updated_at)
  VALUES ($1, 1,
    CASE WHEN $4::int <= 1 THEN $2::timestamptz + make_interval(secs => LEAST(power(2, 1 - $4::int), $5::int)) END,
    $2::timestamptz)
  ON CONFLICT (key_digest) DO UPDATE SET
    failures = ${COUNT},
    blocked_until = CASE WHEN ${COUNT} >= $4::int
      THEN $2::timestamptz + make_interval(secs => LEAST(power(2, ${COUNT} - $4::int), $5::int)) END,
    updated_at = $2::timestamptz
  WHERE f.blocked_until IS NULL OR f.blocked_until <= $2::timestamptz
  RETURNING failures`,
};

const FIND_BLOCKED_UNTIL: Statement = {
  text: 'SELECT blocked_until FROM login_failures WHERE key_digest = $1',
};

const CLEAR: Statement = {
  name: 'login_failures_clear',
  text: 'DELETE FROM login_failures WHERE key_digest = ANY ($1::bytea[])',
};

const DELETE_UPDATED_BEFORE: Statement = {
  text: 'DELETE FROM login_failures WHERE updated_at < $1',
};

@Injectable()
export class LoginFailuresRepository {
  constructor(private readonly sql: Sql) {}

  /**
   * Counts one attempt, unless a wait is running. Returns whether it was counted (and may go
   * ahead).
   */
  async reserve(keyDigest: Buffer, policy: FailurePolicy): Promise<boolean> {
    const counted = await this.sql.rowCount(RESERVE, [
      keyDigest,
      policy.now,
      policy.forgetBefore,
      policy.after,
      policy.maxSeconds,
    ]);
    return counted === 1;
  }

  async findBlockedUntil(keyDigest: Buffer): Promise<Date | undefined> {
    const [row] = await this.sql.rows<{ blocked_until: Date | null }>(FIND_BLOCKED_UNTIL, [
      keyDigest,
    ]);
    return row?.blocked_until ?? undefined;
  }

  async clear(keyDigests: Buffer[]): Promise<void> {
    await this.sql.rowCount(CLEAR, [keyDigests]);
  }

  deleteUpdatedBefore(cutoff: Date): Promise<number> {
    return this.sql.rowCount(DELETE_UPDATED_BEFORE, [cutoff]);
  }
}
