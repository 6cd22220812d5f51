import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';

import { IS_PUBLIC } from 'src/auth/decorators/public.decorator';
import { AccessTokenService } from 'src/auth/tokens/access-token.service';
import { bearerToken } from 'src/auth/tokens/verified-access-tokens';
import type { AuthenticatedUser } from 'src/common/current-user.decorator';

/**
 * Global: every route needs a valid access token unless it is marked `@Public()`. The checks are
 * `AccessTokenService`'s; this puts the principal on the request for `@CurrentUser()`.
 */
@Injectable()
export class JwtAccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly accessTokens: AccessTokenService,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) {
      return true;
    }
    const request = context
      .switchToHttp()
      .getRequest<FastifyRequest & { user?: AuthenticatedUser }>();
    request.user = this.accessTokens.authenticate(bearerToken(request) ?? undefined);
    return true;
  }
}
