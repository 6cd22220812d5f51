import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';

import { EmailNotVerifiedError } from 'src/auth/auth.errors';
import { IS_PUBLIC } from 'src/auth/decorators/public.decorator';
import { AccessTokenService } from 'src/auth/tokens/access-token.service';
import { bearerToken } from 'src/auth/tokens/verified-access-tokens';
import type { AuthenticatedUser } from 'src/common/current-user.decorator';
import { ALLOWS_UNVERIFIED_EMAIL } from 'src/common/unverified-email.decorator';
import { InjectConfig } from 'src/config/config.module';
import type { AppConfig } from 'src/config/env.schema';

/**
 * Global: every route needs a valid access token unless it is marked `@Public()`. The checks are
 * `AccessTokenService`'s; this puts the principal on the request for `@CurrentUser()`. Under
 * EMAIL_VERIFICATION=required, a token whose address is unverified reaches only the routes marked
 * `@AllowUnverifiedEmail()`.
 */
@Injectable()
export class JwtAccessGuard implements CanActivate {
  private readonly verificationRequired: boolean;

  constructor(
    private readonly reflector: Reflector,
    private readonly accessTokens: AccessTokenService,
    @InjectConfig() config: AppConfig,
  ) {
    this.verificationRequired = config.accounts.emailVerification === 'required';
  }

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) {
      return true;
    }
    const request = context
      .switchToHttp()
      .getRequest<FastifyRequest & { user?: AuthenticatedUser }>();
    const user = this.accessTokens.authenticate(bearerToken(request) ?? undefined);
    request.user = user;
    if (
      this.verificationRequired &&
      !user.emailVerified &&
      !this.reflector.getAllAndOverride<boolean>(ALLOWS_UNVERIFIED_EMAIL, targets)
    ) {
      throw new EmailNotVerifiedError();
    }
    return true;
  }
}
