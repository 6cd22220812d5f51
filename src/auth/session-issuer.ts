import { Injectable } from '@nestjs/common';

import { AuditService } from 'src/audit/audit.service';
import { AccountDisabledError, InvalidCredentialsError } from 'src/auth/auth.errors';
import type { AuthenticationResult, SignInContext } from 'src/auth/authentication-result';
import { LoginBackoff, type BackoffKey } from 'src/auth/login-backoff/login-backoff.service';
import { TokenService, type SessionTokens } from 'src/auth/tokens/token.service';
import { SessionsService } from 'src/sessions/sessions.service';
import type { UserAccount } from 'src/users/users.repository';

/** A new session's tokens, its user, and the device token for the device that signed in. */
export interface IssuedSession extends SessionTokens {
  user: UserAccount;
  deviceToken: string;
}

/**
 * Where every sign-in method ends: an authentication result becomes a session and its tokens. The
 * rules all methods share live here, once: the session records how the user proved who they are,
 * the account's backoff (and the device's) is cleared, the event is recorded, and the device gets
 * a device token.
 */
@Injectable()
export class SessionIssuer {
  constructor(
    private readonly sessions: SessionsService,
    private readonly tokens: TokenService,
    private readonly backoff: LoginBackoff,
    private readonly audit: AuditService,
  ) {}

  async issue(
    result: AuthenticationResult,
    { client, deviceId }: SignInContext,
    event: 'login' | 'register',
  ): Promise<IssuedSession> {
    const { user, acr, amr, authTime } = result;
    if (user.disabledAt) {
      throw new AccountDisabledError();
    }
    const jti = this.tokens.newRefreshTokenId();
    const session = await this.sessions.start({ user, jti, client, acr, amr, authTime });
    if (!session) {
      // The password was changed, or the account disabled, while this sign-in was being checked.
      throw new InvalidCredentialsError();
    }
    const cleared: BackoffKey[] = [{ account: user.email }];
    if (deviceId) {
      cleared.push({ device: deviceId });
    }
    await Promise.all([
      this.backoff.clear(cleared),
      this.audit.record(event, { userId: user.id, sessionId: session.id, ...client }),
    ]);
    const subject = {
      userId: user.id,
      sessionId: session.id,
      roles: user.roles,
      emailVerified: user.emailVerified,
      acr,
      amr,
      authTime: Math.floor(authTime.getTime() / 1000),
    };
    return {
      ...this.tokens.sessionTokens(subject, jti, session),
      user,
      deviceToken: this.tokens.signDeviceToken(user.id),
    };
  }
}
