import { SetMetadata } from '@nestjs/common';

/**
 * The metadata key of `@Roles()`. Warden's own role guard reads the same key, so the decorator
 * means the same thing in Warden and in the services that use this package.
 */
export const REQUIRED_ROLES = 'warden:requiredRoles';

/**
 * Lets only callers whose token carries one of `roles` through the access-token guard; others get
 * 403. Roles come from the token, so a role change takes effect with the caller's next token.
 * @example `@Roles('admin')`
 */
export const Roles = (...roles: string[]): MethodDecorator & ClassDecorator =>
  SetMetadata(REQUIRED_ROLES, roles);
