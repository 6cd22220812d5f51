import { SetMetadata } from '@nestjs/common';

import type { RouteScope } from 'src/rate-limit/rate-limit-scopes';

export const RATE_LIMIT_SCOPES_METADATA = 'warden:rateLimitScopes';

/**
 * Adds limits from `RATE_LIMIT_SCOPES` on top of the global per-IP one, e.g.
 * `@RateLimit('login', 'loginIp')`: per IP and email, and per IP whatever the email.
 */
export const RateLimit = (...scopes: RouteScope[]): MethodDecorator =>
  SetMetadata(RATE_LIMIT_SCOPES_METADATA, scopes);
