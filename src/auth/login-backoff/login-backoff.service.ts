import { createHash } from 'node:crypto';

import { Injectable, Logger } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';

import { LoginFailuresRepository } from 'src/auth/login-backoff/login-failures.repository';
import { Clock } from 'src/common/clock';
import { InjectConfig } from 'src/config/config.module';
import type { AppConfig } from 'src/config/env.schema';
import { normalizeEmail } from 'src/users/email';

/** A run of failures is forgotten after a day without one. */
const FORGET_AFTER_MS = 24 * 3600 * 1000;

/**
 * Per-account backoff against password guessing from many addresses, which the per-IP limits
 * cannot see. After LOGIN_BACKOFF_AFTER consecutive failures for an email, each further failure
 * makes the next attempt wait twice as long (1 s, 2 s, 4 s, … up to LOGIN_BACKOFF_MAX). A
 * success resets it, so it never becomes a lock: the owner gets in at the end of the wait.
 * Unknown emails are counted alike, so the backoff does not tell which accounts exist.
 */
@Injectable()
export class LoginBackoff {
  private readonly logger = new Logger(LoginBackoff.name);
  private readonly policy: AppConfig['loginBackoff'];

  constructor(
    private readonly failures: LoginFailuresRepository,
    private readonly clock: Clock,
    @InjectConfig() config: AppConfig,
  ) {
    this.policy = config.loginBackoff;
  }

  /**
   * Before an attempt for this email: the seconds it must wait (0 if it may go ahead), and whether
   * failures are on record, which only a success then needs to clear.
   */
  async check(email: string): Promise<{ waitSeconds: number; failuresOnRecord: boolean }> {
    const blockedUntil = await this.failures.findBlockedUntil(digest(email));
    const waitMs = (blockedUntil?.getTime() ?? 0) - this.clock.now().getTime();
    return {
      waitSeconds: waitMs > 0 ? Math.ceil(waitMs / 1000) : 0,
      failuresOnRecord: blockedUntil !== undefined,
    };
  }

  async recordFailure(email: string): Promise<void> {
    const now = this.clock.now();
    await this.failures.recordFailure(digest(email), {
      now,
      forgetBefore: new Date(now.getTime() - FORGET_AFTER_MS),
      after: this.policy.after,
      maxSeconds: this.policy.maxSeconds,
    });
  }

  async reset(email: string): Promise<void> {
    await this.failures.clear(digest(email));
  }

  @Cron(CronExpression.EVERY_HOUR, { name: 'login-failures-cleanup' })
  async forgetOldFailures(): Promise<void> {
    try {
      await this.failures.deleteUpdatedBefore(
        new Date(this.clock.now().getTime() - FORGET_AFTER_MS),
      );
    } catch (error) {
      this.logger.error(error, 'Deleting old login failures failed; the next run tries again');
    }
  }
}

function digest(email: string): Buffer {
  return createHash('sha256').update(normalizeEmail(email)).digest();
}
