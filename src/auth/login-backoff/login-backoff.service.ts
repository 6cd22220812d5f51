import { createHash } from 'node:crypto';

import { Injectable, Logger } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';

import { LoginFailuresRepository } from 'src/auth/login-backoff/login-failures.repository';
import { TooManyRequestsError } from 'src/common/app-error';
import { Clock } from 'src/common/clock';
import { InjectConfig } from 'src/config/config.module';
import type { AppConfig } from 'src/config/env.schema';
import { canonicalEmail } from 'src/users/email';

/** A run of failures is forgotten after a day without one. */
const FORGET_AFTER_MS = 24 * 3600 * 1000;

/** What the backoff counts attempts for: an account (by email), or one device token. */
export type BackoffKey = { account: string } | { device: string };

/** Digests of the two kinds never meet: an email cannot contain NUL. */
function digestOf(key: BackoffKey): Buffer {
  const text = 'account' in key ? canonicalEmail(key.account) : `\0device\0${key.device}`;
  return createHash('sha256').update(text).digest();
}

/**
 * Backoff against password guessing from many addresses, which the per-IP limits cannot see. Every
 * password check counts as a failure from the moment it starts, so the checks in flight count too;
 * a success clears the count. From the LOGIN_BACKOFF_AFTER-th attempt on, each next one must wait
 * twice as long as the last (1 s, 2 s, 4 s, … up to LOGIN_BACKOFF_MAX), right password or not. It
 * never becomes a lock: the owner gets in at the end of the wait, and at once from a device that
 * signed in before (its device token is counted on its own). Emails without an account are counted
 * alike, so the backoff does not tell which accounts exist.
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
   * Counts a password attempt for `key`, before the password is checked. Throws 429
   * `too_many_requests` with the wait, counting nothing, while an earlier attempt's wait runs.
   */
  async reserve(key: BackoffKey): Promise<void> {
    const now = this.clock.now();
    const digest = digestOf(key);
    const counted = await this.failures.reserve(digest, {
      now,
      forgetBefore: new Date(now.getTime() - FORGET_AFTER_MS),
      after: this.policy.after,
      maxSeconds: this.policy.maxSeconds,
    });
    if (!counted) {
      const blockedUntil = await this.failures.findBlockedUntil(digest);
      throw new TooManyRequestsError(((blockedUntil?.getTime() ?? 0) - now.getTime()) / 1000);
    }
  }

  /** After a success: the attempts of these keys are forgotten. */
  async clear(keys: BackoffKey[]): Promise<void> {
    await this.failures.clear(keys.map(digestOf));
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
