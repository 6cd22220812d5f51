import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';

import { REQUIRED_ROLES } from 'libs/access-token';
import { ForbiddenError } from 'src/common/app-error';
import type { AuthenticatedUser } from 'src/common/current-user.decorator';

/**
 * Global, after the access-token guard: enforces `@Roles()` (the one of `libs/access-token`, which
 * resource services use too) with a 403 `forbidden` problem.
 */
@Injectable()
export class RolesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const required = this.reflector.getAllAndOverride<string[] | undefined>(REQUIRED_ROLES, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!required || required.length === 0) {
      return true;
    }
    const user = context.switchToHttp().getRequest<{ user?: AuthenticatedUser }>().user;
    if (!user?.roles.some((role) => required.includes(role))) {
      throw new ForbiddenError();
    }
    return true;
  }
}
