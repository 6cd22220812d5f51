import { Injectable } from '@nestjs/common';

import { AccountMail } from 'src/account-mail/account-mail';
import { AuditService } from 'src/audit/audit.service';
import { InvalidCredentialsError } from 'src/auth/auth.errors';
import type { AuthenticationResult } from 'src/auth/authentication-result';
import { LoginBackoff } from 'src/auth/login-backoff/login-backoff.service';
import { SessionIssuer, type IssuedSession } from 'src/auth/session-issuer';
import { TokenService } from 'src/auth/tokens/token.service';
import type { ClientInfo } from 'src/common/client-info.decorator';
import { Clock } from 'src/common/clock';
import { Sql } from 'src/database/sql';
import type { UserAccount } from 'src/users/users.repository';
import { UsersService, type Registration } from 'src/users/users.service';

/**
 * The password sign-in method: registration and login with an email and a password. The password
 * check is counted by the backoff before it runs (the account's count, or the device's when the
 * attempt comes with the account's device token), and an unknown email costs the same work, the
 * same answer and the same backoff as a wrong password.
 */
@Injectable()
export class PasswordSignIn {
  constructor(
    private readonly users: UsersService,
    private readonly backoff: LoginBackoff,
    private readonly tokens: TokenService,
    private readonly issuer: SessionIssuer,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly accountMail: AccountMail,
    private readonly sql: Sql,
  ) {}

  /** The new account and its verification mail are one transaction. */
  async register(registration: Registration, client: ClientInfo): Promise<IssuedSession> {
    const newUser = await this.users.prepareRegistration(registration, client.ip);
    const user = await this.sql.transaction(async (tx) => {
      const inserted = await this.users.insert(newUser, tx);
      await this.accountMail.sendVerification(inserted, tx);
      return inserted;
    });
    return this.issuer.issue(this.authenticated(user), { client }, 'register');
  }

  async login(
    email: string,
    password: string,
    deviceToken: string | undefined,
    client: ClientInfo,
  ): Promise<IssuedSession> {
    this.users.assertCanCheckPassword(client.ip);
    const candidate = await this.users.findPasswordCandidate(email);
    const device = deviceToken ? this.tokens.verifyDeviceToken(deviceToken) : undefined;
    const deviceId =
      device && candidate.account && device.userId === candidate.account.id
        ? device.deviceId
        : undefined;
    await this.backoff.reserve(deviceId ? { device: deviceId } : { account: email });
    const user = await this.users.checkPassword(candidate, password, client.ip);
    if (!user) {
      await this.audit.record('login_failed', { userId: candidate.account?.id, ...client });
      throw new InvalidCredentialsError();
    }
    return this.issuer.issue(this.authenticated(user), { client, deviceId }, 'login');
  }

  private authenticated(user: UserAccount): AuthenticationResult {
    return { status: 'authenticated', user, amr: ['pwd'], acr: 'aal1', authTime: this.clock.now() };
  }
}
