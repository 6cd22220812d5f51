import { Injectable, type ExecutionContext } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';

import { CsrfRejectedError, InvalidRefreshTokenError } from 'src/auth/auth.errors';
import { presentedRefreshToken } from 'src/auth/token-transport';
import type { RefreshTokenClaims } from 'src/auth/strategies/jwt-refresh.strategy';
import { AppError } from 'src/common/app-error';
import { InjectConfig } from 'src/config/config.module';
import type { AppConfig } from 'src/config/env.schema';

/**
 * Verifies the refresh token of /auth/refresh and /auth/logout. A token that came in the cookie is
 * sent by the browser on its own, so such a request must also come from an allowed origin: one in
 * CORS_ORIGINS, or Warden's own (Swagger UI). This is checked first, before anything rotates.
 */
@Injectable()
export class JwtRefreshGuard extends AuthGuard('jwt-refresh') {
  private readonly allowedOrigins: Set<string>;

  constructor(@InjectConfig() config: AppConfig) {
    super();
    this.allowedOrigins = new Set(config.corsOrigins);
  }

  override canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (
      presentedRefreshToken(request)?.transport === 'cookie' &&
      !this.isSameSiteOrAllowed(request)
    ) {
      throw new CsrfRejectedError();
    }
    return super.canActivate(context) as Promise<boolean>;
  }

  override handleRequest<T = RefreshTokenClaims>(error: unknown, claims: T | false): T {
    if (error instanceof AppError) {
      throw error;
    }
    if (error || !claims) {
      throw new InvalidRefreshTokenError();
    }
    return claims;
  }

  private isSameSiteOrAllowed(request: FastifyRequest): boolean {
    if (request.headers['sec-fetch-site'] === 'cross-site') {
      return false;
    }
    const origin = request.headers.origin;
    if (origin === undefined) {
      return true;
    }
    return this.allowedOrigins.has(origin) || isSameOrigin(origin, request.headers.host);
  }
}

function isSameOrigin(origin: string, host: string | undefined): boolean {
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}
