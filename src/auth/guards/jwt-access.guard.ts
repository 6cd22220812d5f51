import { Injectable, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { TokenExpiredError } from 'jsonwebtoken';

import { IS_PUBLIC } from 'src/auth/decorators/public.decorator';
import { AppError, InvalidAccessTokenError } from 'src/common/app-error';
import type { AuthenticatedUser } from 'src/common/current-user.decorator';

/** Global: every route needs a valid access token unless it is marked `@Public()`. */
@Injectable()
export class JwtAccessGuard extends AuthGuard('jwt-access') {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override canActivate(context: ExecutionContext): Promise<boolean> | boolean {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    return isPublic || (super.canActivate(context) as Promise<boolean>);
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
