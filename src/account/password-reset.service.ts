import { Injectable } from '@nestjs/common';

import { AccountMail } from 'src/account-mail/account-mail';
import { DeferredRequests } from 'src/account/deferred-requests';
import { InvalidLinkTokenError, LinkTokens } from 'src/account-mail/link-tokens';
import { AuditService } from 'src/audit/audit.service';
import { LoginBackoff } from 'src/auth/login-backoff/login-backoff.service';
import { NotFoundError } from 'src/common/app-error';
import type { ClientInfo } from 'src/common/client-info.decorator';
import { Sql } from 'src/database/sql';
import { RateLimiter } from 'src/rate-limit/rate-limiter';
import { SessionsService } from 'src/sessions/sessions.service';
import { canonicalEmail } from 'src/users/email';
import type { UserAccount } from 'src/users/users.repository';
import { UsersService } from 'src/users/users.service';

/**
 * Forgotten passwords. A request is answered before anything about the address is looked at, so
 * its answer and its time are the same for an unknown address, a known one, one in cooldown or
 * over its limit, and while SMTP is down; the work happens after the answer. A reset sets the
 * password, proves the address, clears the backoff, and ends every session and reset link.
 */
@Injectable()
export class PasswordReset {
  constructor(
    private readonly users: UsersService,
    private readonly links: LinkTokens,
    private readonly accountMail: AccountMail,
    private readonly sessions: SessionsService,
    private readonly backoff: LoginBackoff,
    private readonly limiter: RateLimiter,
    private readonly audit: AuditService,
    private readonly deferred: DeferredRequests,
    private readonly sql: Sql,
  ) {}

  forgot(email: string, client: ClientInfo): void {
    this.deferred.run('forgot-password', () => this.sendIfAccount(email, client));
  }

  /** An administrator's request: the user gets a reset mail (unless one left within the cooldown). */
  async sendByAdmin(userId: string, client: ClientInfo): Promise<void> {
    const account = await this.users.findAccount(userId);
    if (!account) {
      throw new NotFoundError('There is no user with this id.');
    }
    await this.send(account, client);
  }

  /** A reset link for an operator to hand over (the CLI), without mail. */
  async linkFor(email: string): Promise<{ link: string; expiresIn: string } | undefined> {
    const account = await this.users.findByEmail(email);
    return account && this.accountMail.passwordResetLink(account);
  }

  async reset(token: unknown, newPassword: string, client: ClientInfo): Promise<void> {
    // A valid link is checked before the password, and used up only with a password that passes.
    await this.links.peek(token, ['reset_password']);
    const passwordHash = await this.users.hashNewPassword(newPassword, client.ip, 'newPassword');
    const account = await this.sql.transaction(async (tx) => {
      const link = await this.links.consume(token, ['reset_password'], tx);
      const updated = await this.users.resetPassword(link.userId, link.email, passwordHash, tx);
      if (!updated) {
        throw new InvalidLinkTokenError();
      }
      await this.accountMail.notify('password-reset', updated, tx);
      return updated;
    });
    await this.sessions.revokeAllOfUser(account.id, 'password_reset', { client });
    await this.backoff.clear([{ account: account.email }]);
    await this.audit.record('password_reset', { userId: account.id, ...client });
  }

  private async sendIfAccount(email: string, client: ClientInfo): Promise<void> {
    if (!(await this.limiter.tryConsume('mail', canonicalEmail(email)))) {
      return;
    }
    const account = await this.users.findByEmail(email);
    if (account && !account.disabledAt) {
      await this.send(account, client);
    }
  }

  private async send(account: UserAccount, client: ClientInfo): Promise<void> {
    const sent = await this.sql.transaction((tx) =>
      this.accountMail.sendPasswordReset(account, tx),
    );
    if (sent) {
      await this.audit.record('password_reset_requested', { userId: account.id, ...client });
    }
  }
}
