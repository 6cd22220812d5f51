import { SetMetadata } from '@nestjs/common';

export const REQUIRED_ROLES = 'warden:requiredRoles';

/**
 * Restricts a route to users whose access token carries one of these roles; others get 403
 * `forbidden`. Roles come from the token, so a role change takes effect with the next token.
 */
export const Roles = (...roles: string[]): MethodDecorator & ClassDecorator =>
  SetMetadata(REQUIRED_ROLES, roles);
