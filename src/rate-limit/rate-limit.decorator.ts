import { SetMetadata } from '@nestjs/common';

export type RateLimitScope = 'login' | 'refresh';

export const RATE_LIMIT_SCOPE = 'warden:rateLimitScope';

/**
 * Adds a stricter limit on top of the global per-IP one: `login` counts per IP and email
 * (RATE_LIMIT_LOGIN), `refresh` per IP (RATE_LIMIT_REFRESH).
 */
export const RateLimit = (scope: RateLimitScope): MethodDecorator =>
  SetMetadata(RATE_LIMIT_SCOPE, scope);
