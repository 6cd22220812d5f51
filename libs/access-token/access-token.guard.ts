import {
  ForbiddenException,
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';

import {
  AccessTokenVerifier,
  InvalidAccessTokenError,
  type AccessTokenUser,
} from './access-token.verifier';
import { REQUIRED_ROLES } from './roles.decorator';

interface HttpRequest {
  headers: Record<string, string | string[] | undefined>;
  user?: AccessTokenUser;
}

const BEARER = /^Bearer ([\w-]+\.[\w-]+\.[\w-]+)$/i;

/**
 * Requires a valid Warden access token (`Authorization: Bearer …`): 401 without one, 403 when
 * `@Roles()` asks for a role the token does not carry. Puts the caller on `request.user`, which
 * `@CurrentUser()` reads.
 * @example `@UseGuards(AccessTokenGuard)` on a controller or route.
 */
@Injectable()
export class AccessTokenGuard implements CanActivate {
  constructor(
    private readonly verifier: AccessTokenVerifier,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<HttpRequest>();
    const token = BEARER.exec(String(request.headers.authorization ?? ''))?.[1];
    if (!token) {
      throw new UnauthorizedException('A Warden access token is required');
    }
    try {
      request.user = await this.verifier.verify(token);
    } catch (error) {
      if (error instanceof InvalidAccessTokenError) {
        throw new UnauthorizedException('The access token is invalid or expired');
      }
      throw error;
    }
    const required = this.reflector.getAllAndOverride<string[] | undefined>(REQUIRED_ROLES, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (required?.length && !request.user.roles.some((role) => required.includes(role))) {
      throw new ForbiddenException('This requires a role the caller does not have');
    }
    return true;
  }
}
