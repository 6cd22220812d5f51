import { createHash } from 'node:crypto';

import { Module, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { normalizeIp, ThrottlerModule, type ThrottlerOptions } from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';

import { APP_CONFIG } from 'src/config/config.module';
import type { AppConfig, RateLimit } from 'src/config/env.schema';
import { FailoverThrottlerStorage } from 'src/rate-limit/failover-throttler-storage';
import { FixedWindowThrottlerStorage } from 'src/rate-limit/fixed-window-storage';
import { RATE_LIMIT_SCOPE, type RateLimitScope } from 'src/rate-limit/rate-limit.decorator';
import { RedisConnection } from 'src/redis/redis-connection';
import { normalizeEmail } from 'src/users/email';

const reflector = new Reflector();

function scopeOf(context: ExecutionContext): RateLimitScope | undefined {
  return reflector.get<RateLimitScope | undefined>(RATE_LIMIT_SCOPE, context.getHandler());
}

/**
 * One counter per limit and client, whatever the route: the global limit spans all routes, and
 * login and register share the login limit. Hashed, so stored keys never contain an email.
 */
function counterKey(_context: ExecutionContext, tracker: string, throttlerName: string): string {
  return createHash('sha256').update(`${throttlerName}|${tracker}`).digest('base64url');
}

function limit(name: string, { limit, windowSeconds }: RateLimit): ThrottlerOptions {
  return { name, limit, ttl: windowSeconds * 1000 };
}

/** Login attempts count per client and account, so one noisy client cannot lock out others. */
function ipAndEmail(request: FastifyRequest): string {
  const email = (request.body as { email?: unknown } | undefined)?.email;
  return `${normalizeIp(request.ip)}|${typeof email === 'string' ? normalizeEmail(email) : ''}`;
}

@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [APP_CONFIG, RedisConnection],
      useFactory: ({ rateLimits }: AppConfig, redis: RedisConnection | null) => ({
        storage: redis ? new FailoverThrottlerStorage(redis) : new FixedWindowThrottlerStorage(),
        setHeaders: false,
        generateKey: counterKey,
        throttlers: [
          limit('global', rateLimits.global),
          {
            ...limit('login', rateLimits.login),
            skipIf: (context) => scopeOf(context) !== 'login',
            getTracker: (request) => ipAndEmail(request as FastifyRequest),
          },
          {
            ...limit('refresh', rateLimits.refresh),
            skipIf: (context) => scopeOf(context) !== 'refresh',
          },
        ],
      }),
    }),
  ],
  exports: [ThrottlerModule],
})
export class RateLimitModule {}
