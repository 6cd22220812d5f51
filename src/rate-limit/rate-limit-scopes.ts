import { createHash } from 'node:crypto';

import type { RateLimitVariable } from 'src/config/env.schema';

/**
 * What a limit counts per: the client address, the address and the email of the body, a user, or
 * an email address (whether or not it has an account).
 */
export type RateLimitKey = 'ip' | 'ip+email' | 'user' | 'email';

export interface RateLimitScope {
  /** The `count/window` variable that configures it. */
  variable: RateLimitVariable;
  per: RateLimitKey;
  /**
   * `every request`, `routes` (those that name the scope in `@RateLimit()`), or `service`: counted
   * by a service through `RateLimiter.consume`, where the key (a user) is known.
   */
  applies: 'every request' | 'routes' | 'service';
}

/** Every rate limit Warden enforces. */
export const RATE_LIMIT_SCOPES = {
  global: { variable: 'RATE_LIMIT_GLOBAL', per: 'ip', applies: 'every request' },
  login: { variable: 'RATE_LIMIT_LOGIN', per: 'ip+email', applies: 'routes' },
  loginIp: { variable: 'RATE_LIMIT_LOGIN_IP', per: 'ip', applies: 'routes' },
  registerIp: { variable: 'RATE_LIMIT_REGISTER_IP', per: 'ip', applies: 'routes' },
  refresh: { variable: 'RATE_LIMIT_REFRESH', per: 'ip', applies: 'routes' },
  link: { variable: 'RATE_LIMIT_LINK', per: 'ip', applies: 'routes' },
  passwordCheck: { variable: 'RATE_LIMIT_PASSWORD_CHECK', per: 'user', applies: 'service' },
  mail: { variable: 'RATE_LIMIT_MAIL', per: 'email', applies: 'service' },
} as const satisfies Record<string, RateLimitScope>;

export type RateLimitScopeName = keyof typeof RATE_LIMIT_SCOPES;

type ScopesThat<Applies extends RateLimitScope['applies']> = {
  [Name in RateLimitScopeName]: (typeof RATE_LIMIT_SCOPES)[Name]['applies'] extends Applies
    ? Name
    : never;
}[RateLimitScopeName];

/** The scopes a route opts into with `@RateLimit()`. */
export type RouteScope = ScopesThat<'routes'>;

/** The scopes a service counts with `RateLimiter.consume`. */
export type ServiceScope = ScopesThat<'service'>;

/**
 * The storage key of one scope's counter for one client (an address, an address and an email, a
 * user), whatever the route: hashed, so stored keys never contain an email.
 */
export function counterKey(scope: string, tracker: string): string {
  return createHash('sha256').update(`${scope}|${tracker}`).digest('base64url');
}
