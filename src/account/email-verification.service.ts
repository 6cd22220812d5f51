import { Injectable } from '@nestjs/common';

import { AccountMail } from 'src/account-mail/account-mail';
import { InvalidLinkTokenError, LinkTokens } from 'src/account-mail/link-tokens';
import { AuditService } from 'src/audit/audit.service';
import { InvalidAccessTokenError } from 'src/common/app-error';
import type { ClientInfo } from 'src/common/client-info.decorator';
import { Sql } from 'src/database/sql';
import { RateLimiter } from 'src/rate-limit/rate-limiter';
import type { UserAccount } from 'src/users/users.repository';
import { UsersService } from 'src/users/users.service';

/**
 * Proving an address: the verification link (sent at registration and on request) and the
 * email-change link both lead here, to `verify`; either one works only while its address is still
 * the one it was sent for.
 */
@Injectable()
export class EmailVerification {
  constructor(
    private readonly users: UsersService,
    private readonly links: LinkTokens,
    private readonly accountMail: AccountMail,
    private readonly limiter: RateLimiter,
    private readonly audit: AuditService,
    private readonly sql: Sql,
  ) {}

  /** Sends the verification mail again, unless the address is verified, cooling down or limited. */
  async resend(userId: string): Promise<void> {
    const account = await this.users.findAccount(userId);
    if (!account) {
      throw new InvalidAccessTokenError('The account of this access token no longer exists.');
    }
    if (account.emailVerified || !(await this.limiter.tryConsume('mail', account.email))) {
      return;
    }
    await this.sql.transaction((tx) => this.accountMail.sendVerification(account, tx));
  }

  /** Uses a verification or email-change link; the account's address is verified after it. */
  async verify(token: unknown, client: ClientInfo): Promise<UserAccount> {
    const { account, changed } = await this.sql.transaction(async (tx) => {
      const link = await this.links.consume(token, ['verify_email', 'change_email'], tx);
      if (link.purpose === 'verify_email') {
        const verified = await this.users.markEmailVerified(link.userId, link.email, tx);
        return { account: verified, changed: false };
      }
      const moved = await this.users.changeEmail(link.userId, link.email, tx);
      // Links sent to the old address must not act on the account any more.
      await this.links.revoke(link.userId, ['verify_email', 'reset_password'], tx);
      return { account: moved, changed: true };
    });
    if (!account) {
      // The account no longer has the address this link was sent to, or no longer exists.
      throw new InvalidLinkTokenError();
    }
    await this.audit.record(changed ? 'email_changed' : 'email_verified', {
      userId: account.id,
      ...client,
    });
    return account;
  }
}
