import { Injectable } from '@nestjs/common';

import {
  InvalidRefreshTokenError,
  RefreshTokenReusedError,
  SessionExpiredError,
  SessionRevokedError,
} from 'src/auth/auth.errors';
import type { RefreshTokenClaims } from 'src/auth/strategies/jwt-refresh.strategy';
import { TokenService, type SessionTokens } from 'src/auth/tokens/token.service';
import type { ClientInfo } from 'src/common/client-info.decorator';
import { Clock } from 'src/common/clock';
import { InjectConfig } from 'src/config/config.module';
import type { AppConfig } from 'src/config/env.schema';
import { SessionsService } from 'src/sessions/sessions.service';

/**
 * A refresh: the session rotates (or answers a replay inside the grace window with the same
 * successor, or is revoked on reuse) and the new access token carries the session's assurance as
 * it was established, with the user's current roles and verified email.
 */
@Injectable()
export class RefreshService {
  private readonly clockSkew: number;

  constructor(
    private readonly sessions: SessionsService,
    private readonly tokens: TokenService,
    private readonly clock: Clock,
    @InjectConfig() config: AppConfig,
  ) {
    this.clockSkew = config.tokens.clockSkew;
  }

  async refresh(token: RefreshTokenClaims, client: ClientInfo): Promise<SessionTokens> {
    if (token.expiresAt + this.clockSkew <= this.clock.now().getTime() / 1000) {
      throw await this.expiredTokenError(token);
    }
    const successor = this.tokens.successorRefreshTokenId(token.sessionId, token.jti);
    const outcome = await this.sessions.rotate(token, token.jti, successor, client);
    switch (outcome.status) {
      case 'reused':
        throw new RefreshTokenReusedError();
      case 'expired':
        throw new SessionExpiredError();
      case 'revoked':
        throw new SessionRevokedError();
    }
    const subject = {
      userId: token.userId,
      sessionId: token.sessionId,
      roles: outcome.roles,
      emailVerified: outcome.emailVerified,
      acr: outcome.acr,
      amr: outcome.amr,
      authTime: Math.floor(outcome.authTime.getTime() / 1000),
    };
    return this.tokens.sessionTokens(subject, successor, outcome);
  }

  /** An expired refresh token says more about its session when the session has ended too. */
  private async expiredTokenError(token: RefreshTokenClaims): Promise<Error> {
    switch (await this.sessions.status(token.sessionId, token.userId)) {
      case 'expired':
        return new SessionExpiredError();
      case 'revoked':
        return new SessionRevokedError();
      default:
        return new InvalidRefreshTokenError('The refresh token has expired.');
    }
  }
}
