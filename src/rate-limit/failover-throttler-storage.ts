import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import type { OnApplicationShutdown } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';

import { FixedWindowThrottlerStorage } from 'src/rate-limit/fixed-window-storage';
import type { RedisConnection } from 'src/redis/redis-connection';

/**
 * Rate-limit counters in Redis, shared by all instances; while Redis is unreachable, counted in
 * this process instead, so requests are still limited (per instance) and never fail for it.
 */
export class FailoverThrottlerStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly shared: ThrottlerStorageRedisService;
  private readonly local = new FixedWindowThrottlerStorage();

  constructor(private readonly redis: RedisConnection) {
    this.shared = new ThrottlerStorageRedisService(redis.commands);
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): ReturnType<ThrottlerStorage['increment']> {
    if (this.redis.available) {
      try {
        const sharedKey = this.redis.keyPrefix + key;
        return await this.shared.increment(sharedKey, ttl, limit, blockDuration, throttlerName);
      } catch {
        // Lost mid-request: RedisConnection reports the outage; count here meanwhile.
      }
    }
    return this.local.increment(key, ttl, limit, blockDuration, throttlerName);
  }

  onApplicationShutdown(): void {
    this.local.onApplicationShutdown();
  }
}
