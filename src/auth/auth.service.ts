import { Injectable } from '@nestjs/common';

import { AuditService } from 'src/audit/audit.service';
import type { AuthEventType } from 'src/audit/auth-event.entity';
import {
  InvalidCredentialsError,
  InvalidRefreshTokenError,
  RefreshTokenReusedError,
  SessionExpiredError,
  SessionRevokedError,
  WrongPasswordError,
} from 'src/auth/auth.errors';
import { LoginBackoff } from 'src/auth/login-backoff/login-backoff.service';
import type { RefreshTokenClaims } from 'src/auth/strategies/jwt-refresh.strategy';
import { TokenService } from 'src/auth/tokens/token.service';
import { InvalidAccessTokenError, TooManyRequestsError } from 'src/common/app-error';
import type { ClientInfo } from 'src/common/client-info.decorator';
import { Clock } from 'src/common/clock';
import type { AuthenticatedUser } from 'src/common/current-user.decorator';
import { InjectConfig } from 'src/config/config.module';
import type { AppConfig } from 'src/config/env.schema';
import { SessionsService, type RefreshWindow } from 'src/sessions/sessions.service';
import type { UserEntity } from 'src/users/user.entity';
import { UsersService, type Registration } from 'src/users/users.service';

export interface IssuedTokens {
  accessToken: string;
  /** Seconds. */
  expiresIn: number;
  refreshToken: string;
  /** Seconds. */
  refreshExpiresIn: number;
  user?: UserEntity;
}

@Injectable()
export class AuthService {
  private readonly accessTokenTtl: number;
  private readonly clockSkew: number;

  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly audit: AuditService,
    private readonly tokens: TokenService,
    private readonly backoff: LoginBackoff,
    private readonly clock: Clock,
    @InjectConfig() config: AppConfig,
  ) {
    this.accessTokenTtl = config.tokens.accessTokenTtl;
    this.clockSkew = config.tokens.clockSkew;
  }

  async register(registration: Registration, client: ClientInfo): Promise<IssuedTokens> {
    const user = await this.users.register(registration);
    return this.startSession(user, client, 'register');
  }

  async login(email: string, password: string, client: ClientInfo): Promise<IssuedTokens> {
    const { failuresOnRecord } = await this.assertNotBackedOff(email);
    const check = await this.users.verifyCredentials(email, password);
    if (!check.valid) {
      await this.backoff.recordFailure(email);
      await this.audit.record('login_failed', { userId: check.userId, ...client });
      throw new InvalidCredentialsError();
    }
    if (failuresOnRecord) {
      await this.backoff.reset(email);
    }
    return this.startSession(check.user, client, 'login');
  }

  /** The current password is checked like a login, backoff included. */
  async changePassword(
    principal: AuthenticatedUser,
    currentPassword: string,
    newPassword: string,
    client: ClientInfo,
  ): Promise<void> {
    const user = await this.users.findById(principal.userId);
    if (!user) {
      throw new InvalidAccessTokenError('The account of this access token no longer exists.');
    }
    const { failuresOnRecord } = await this.assertNotBackedOff(user.email);
    if (!(await this.users.changePassword(user, currentPassword, newPassword))) {
      await this.backoff.recordFailure(user.email);
      throw new WrongPasswordError();
    }
    if (failuresOnRecord) {
      await this.backoff.reset(user.email);
    }
    await this.sessions.revokeAllForUser(user.id, 'password_changed', {
      except: principal.sessionId,
    });
    await this.audit.record('password_changed', {
      userId: user.id,
      sessionId: principal.sessionId,
      ...client,
    });
  }

  /** DESIGN.md section 4: rotate, answer a replay in the grace window alike, or detect reuse. */
  async refresh(token: RefreshTokenClaims, client: ClientInfo): Promise<IssuedTokens> {
    const { userId, sessionId, jti } = token;
    if (token.expiresAt + this.clockSkew <= this.clock.now().getTime() / 1000) {
      throw await this.expiredTokenError(token);
    }
    const successor = this.tokens.successorRefreshTokenId(sessionId, jti);
    const outcome = await this.sessions.rotate(sessionId, userId, jti, successor);
    switch (outcome.status) {
      case 'reused':
        await this.audit.record('refresh_reuse_detected', { userId, sessionId, ...client });
        throw new RefreshTokenReusedError();
      case 'expired':
        throw new SessionExpiredError();
      case 'revoked':
        throw new SessionRevokedError();
    }
    return this.issue({ userId, sessionId, roles: outcome.roles }, successor, outcome);
  }

  /** Ends the token's session, whichever of its tokens this is. Idempotent. */
  async logout(token: RefreshTokenClaims, client: ClientInfo): Promise<void> {
    if (await this.sessions.revoke(token.sessionId, 'logout')) {
      await this.audit.record('logout', {
        userId: token.userId,
        sessionId: token.sessionId,
        ...client,
      });
    }
  }

  async logoutAll(user: AuthenticatedUser, client: ClientInfo): Promise<void> {
    await this.sessions.revokeAllForUser(user.userId, 'logout_all');
    await this.audit.record('logout_all', {
      userId: user.userId,
      sessionId: user.sessionId,
      ...client,
    });
  }

  private async startSession(
    user: UserEntity,
    client: ClientInfo,
    event: Extract<AuthEventType, 'login' | 'register'>,
  ): Promise<IssuedTokens> {
    const jti = this.tokens.newRefreshTokenId();
    const session = await this.sessions.start(user, jti, client);
    if (!session) {
      // The password was changed while this one was being verified.
      throw new InvalidCredentialsError();
    }
    await this.audit.record(event, { userId: user.id, sessionId: session.id, ...client });
    const issued = this.issue(
      { userId: user.id, sessionId: session.id, roles: user.roles },
      jti,
      session,
    );
    return { ...issued, user };
  }

  private issue(subject: AuthenticatedUser, jti: string, window: RefreshWindow): IssuedTokens {
    return {
      accessToken: this.tokens.signAccessToken(subject),
      expiresIn: this.accessTokenTtl,
      refreshToken: this.tokens.signRefreshToken({ ...subject, jti, ...window }),
      refreshExpiresIn: Math.floor((window.expiresAt.getTime() - window.now.getTime()) / 1000),
    };
  }

  private async assertNotBackedOff(email: string): Promise<{ failuresOnRecord: boolean }> {
    const { waitSeconds, failuresOnRecord } = await this.backoff.check(email);
    if (waitSeconds > 0) {
      throw new TooManyRequestsError(waitSeconds);
    }
    return { failuresOnRecord };
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
