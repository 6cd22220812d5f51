import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, type Repository } from 'typeorm';

import { LoginFailureEntity } from 'src/auth/login-backoff/login-failure.entity';
import { Sql, type PreparedStatement } from 'src/database/sql';

export interface FailurePolicy {
  now: Date;
  /** Failures older than this are forgotten: counting starts again. */
  forgetBefore: Date;
  /** The failure that starts the waits; the wait doubles with each one after it. */
  after: number;
  maxSeconds: number;
}

/**
 * Counts one more failure and sets the wait in the same statement, so concurrent failures each
 * count. The n-th consecutive failure (n >= after) blocks for 2^(n - after) seconds, at most max.
 */
const RECORD_FAILURE_SQL = `
  INSERT INTO login_failures AS f (email_digest, failures, blocked_until, updated_at)
  VALUES ($1, 1, NULL, $2)
  ON CONFLICT (email_digest) DO UPDATE SET
    failures = CASE WHEN f.updated_at < $3 THEN 1 ELSE f.failures + 1 END,
    blocked_until = CASE
      WHEN f.updated_at >= $3 AND f.failures + 1 >= $4
      THEN $2 + make_interval(secs => LEAST(power(2, f.failures + 1 - $4), $5))
      ELSE NULL END,
    updated_at = $2`;

const FIND_BLOCKED_UNTIL: PreparedStatement = {
  name: 'login_failures_find_blocked_until',
  text: 'SELECT blocked_until FROM login_failures WHERE email_digest = $1',
};

@Injectable()
export class LoginFailuresRepository {
  constructor(
    @InjectRepository(LoginFailureEntity) private readonly orm: Repository<LoginFailureEntity>,
    private readonly sql: Sql,
  ) {}

  /** Undefined when no failure is on record for this email; null when one is, without a wait. */
  async findBlockedUntil(emailDigest: Buffer): Promise<Date | null | undefined> {
    const [row] = await this.sql.rows<{ blocked_until: Date | null }>(FIND_BLOCKED_UNTIL, [
      emailDigest,
    ]);
    return row ? row.blocked_until : undefined;
  }

  async recordFailure(emailDigest: Buffer, policy: FailurePolicy): Promise<void> {
    await this.orm.query(RECORD_FAILURE_SQL, [
      emailDigest,
      policy.now,
      policy.forgetBefore,
      policy.after,
      policy.maxSeconds,
    ]);
  }

  async clear(emailDigest: Buffer): Promise<void> {
    await this.orm.delete({ emailDigest });
  }

  async deleteUpdatedBefore(cutoff: Date): Promise<number> {
    const { affected } = await this.orm.delete({ updatedAt: LessThan(cutoff) });
    return affected ?? 0;
  }
}
