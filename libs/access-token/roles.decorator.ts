import { SetMetadata } from '@nestjs/common';

export const ACCESS_TOKEN_ROLES = 'access-token:roles';

/**
 * Lets only callers whose token carries one of `roles` through `AccessTokenGuard`; others get 403.
 * @example `@Roles('admin')`
 */
export const Roles = (...roles: string[]): MethodDecorator & ClassDecorator =>
  SetMetadata(ACCESS_TOKEN_ROLES, roles);
