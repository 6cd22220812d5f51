import { Module, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { normalizeIp, ThrottlerModule, type ThrottlerOptions } from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';

import { APP_CONFIG } from 'src/config/config.module';
import type { AppConfig } from 'src/config/env.schema';
import { FailoverThrottlerStorage } from 'src/rate-limit/failover-throttler-storage';
import { FixedWindowThrottlerStorage } from 'src/rate-limit/fixed-window-storage';
import { RATE_LIMIT_SCOPES_METADATA } from 'src/rate-limit/rate-limit.decorator';
import {
  counterKey,
  RATE_LIMIT_SCOPES,
  type RateLimitKey,
  type RateLimitScopeName,
  type RouteScope,
  type ServiceScope,
} from 'src/rate-limit/rate-limit-scopes';
import { RateLimiter } from 'src/rate-limit/rate-limiter';
import { RedisConnection } from 'src/redis/redis-connection';
import { canonicalEmail } from 'src/users/email';

const reflector = new Reflector();

function routeScopes(context: ExecutionContext): RouteScope[] {
  return (
    reflector.get<RouteScope[] | undefined>(RATE_LIMIT_SCOPES_METADATA, context.getHandler()) ?? []
  );
}

/** The client address, IPv6 by /64 (one host usually holds the whole prefix). */
function clientOf(request: FastifyRequest): string {
  return normalizeIp(request.clientAddress ?? 'unknown');
}

/** The email of a login or registration body, so that one noisy client cannot lock out others. */
function emailOf(request: FastifyRequest): string {
  const email = (request.body as { email?: unknown } | undefined)?.email;
  return typeof email === 'string' ? canonicalEmail(email) : '';
}

/** How the guard counts each kind of key; users and addresses are counted by services. */
const TRACKERS: Record<
  Exclude<RateLimitKey, 'user' | 'email'>,
  (request: FastifyRequest) => string
> = {
  ip: clientOf,
  'ip+email': (request) => `${clientOf(request)}|${emailOf(request)}`,
};

/** The scopes counted per request, by the guard. */
type RequestScope = Exclude<RateLimitScopeName, ServiceScope>;

function throttler(name: RequestScope, config: AppConfig): ThrottlerOptions {
  const scope = RATE_LIMIT_SCOPES[name];
  const { limit, windowSeconds } = config.rateLimits[scope.variable];
  const tracker = TRACKERS[scope.per];
  return {
    name,
    limit,
    ttl: windowSeconds * 1000,
    getTracker: (request) => tracker(request as FastifyRequest),
    skipIf:
      scope.applies === 'routes'
        ? (context) => !routeScopes(context).includes(name as RouteScope)
        : undefined,
  };
}

/**
 * The limits of `RATE_LIMIT_SCOPES`: those counted per request as throttlers of the global guard
 * (`RateLimitGuard`), the others through `RateLimiter`, all in one storage (Redis when configured).
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [APP_CONFIG, RedisConnection],
      useFactory: (config: AppConfig, redis: RedisConnection | null) => ({
        storage: redis ? new FailoverThrottlerStorage(redis) : new FixedWindowThrottlerStorage(),
        setHeaders: false,
        // One counter per limit and client, whatever the route: the global limit spans all
        // routes, and login and register share the login limit.
        generateKey: (_context, tracker, throttlerName) => counterKey(throttlerName, tracker),
        throttlers: (Object.keys(RATE_LIMIT_SCOPES) as RateLimitScopeName[])
          .filter((name): name is RequestScope => RATE_LIMIT_SCOPES[name].applies !== 'service')
          .map((name) => throttler(name, config)),
      }),
    }),
  ],
  providers: [RateLimiter],
  exports: [ThrottlerModule, RateLimiter],
})
export class RateLimitModule {}
