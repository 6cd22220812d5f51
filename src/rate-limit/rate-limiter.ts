import { Injectable } from '@nestjs/common';
import { InjectThrottlerStorage, type ThrottlerStorage } from '@nestjs/throttler';

import { TooManyRequestsError } from 'src/common/app-error';
import { InjectConfig } from 'src/config/config.module';
import type { AppConfig } from 'src/config/env.schema';
import { counterKey, RATE_LIMIT_SCOPES, type ServiceScope } from 'src/rate-limit/rate-limit-scopes';

/**
 * The limits a service counts itself, where the key is known only inside (a user, after the access
 * guard): the same counters as the route limits, shared through Redis by every instance.
 */
@Injectable()
export class RateLimiter {
  constructor(
    @InjectThrottlerStorage() private readonly storage: ThrottlerStorage,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  /** Counts one event for `key`; throws 429 `too_many_requests` beyond the scope's limit. */
  async consume(scope: ServiceScope, key: string): Promise<void> {
    const { isBlocked, timeToBlockExpire } = await this.increment(scope, key);
    if (isBlocked) {
      throw new TooManyRequestsError(timeToBlockExpire);
    }
  }

  /** Counts one event for `key`; false beyond the scope's limit, for callers that answer alike. */
  async tryConsume(scope: ServiceScope, key: string): Promise<boolean> {
    return !(await this.increment(scope, key)).isBlocked;
  }

  private increment(scope: ServiceScope, key: string) {
    const { limit, windowSeconds } = this.config.rateLimits[RATE_LIMIT_SCOPES[scope].variable];
    const windowMs = windowSeconds * 1000;
    return this.storage.increment(counterKey(scope, key), windowMs, limit, windowMs, scope);
  }
}
