import { Injectable, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { TokenExpiredError } from 'jsonwebtoken';

import { IS_PUBLIC } from 'src/auth/decorators/public.decorator';
import { bearerToken, VerifiedAccessTokens } from 'src/auth/tokens/verified-access-tokens';
import { AppError, InvalidAccessTokenError } from 'src/common/app-error';
import type { AuthenticatedUser } from 'src/common/current-user.decorator';
import { SessionsService } from 'src/sessions/sessions.service';

/**
 * Global: every route needs a valid access token unless it is marked `@Public()`. The token is
 * verified by `JwtAccessStrategy` (or was, earlier: `VerifiedAccessTokens`), and its session must
 * not have been revoked.
 */
@Injectable()
export class JwtAccessGuard extends AuthGuard('jwt-access') {
  constructor(
    private readonly reflector: Reflector,
    private readonly verified: VerifiedAccessTokens,
    private readonly sessions: SessionsService,
  ) {
    super();
  }

  override async canActivate(context: ExecutionContext): Promise<boolean> {
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
    const token = bearerToken(request);
    const remembered = token ? this.verified.get(token) : undefined;
    if (remembered) {
      request.user = remembered;
    } else {
      await super.canActivate(context);
    }
    if (await this.sessions.isRevoked(request.user!.sessionId)) {
      throw new InvalidAccessTokenError('The session of this access token has been ended.');
    }
    return true;
  }

  override handleRequest<T = AuthenticatedUser>(error: unknown, user: T | false, info: unknown): T {
    if (error instanceof AppError) {
      throw error;
    }
    if (error || !user) {
      throw new InvalidAccessTokenError(
        info instanceof TokenExpiredError ? 'The access token has expired.' : undefined,
      );
    }
    return user;
  }
}
