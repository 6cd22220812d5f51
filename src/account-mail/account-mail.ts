import { Injectable } from '@nestjs/common';

import { LinkTokens, type LinkPurpose } from 'src/account-mail/link-tokens';
import { InjectConfig } from 'src/config/config.module';
import type { AppConfig } from 'src/config/env.schema';
import type { SqlExecutor } from 'src/database/sql';
import { MailOutbox } from 'src/mail/mail-outbox';
import type { UserAccount } from 'src/users/users.repository';

/** "24 hours", "1 hour", "30 minutes": how long a link works, for the mail that carries it. */
export function describeDuration(seconds: number): string {
  const [amount, unit] =
    seconds % 86_400 === 0 && seconds >= 2 * 86_400
      ? [seconds / 86_400, 'day']
      : seconds % 3_600 === 0
        ? [seconds / 3_600, 'hour']
        : [Math.round(seconds / 60), 'minute'];
  return `${amount} ${unit}${amount === 1 ? '' : 's'}`;
}

/**
 * The mails of the account lifecycle: each link mail issues its token (replacing the previous one
 * of its purpose) and queues the mail in the caller's transaction; a link of one purpose goes to
 * one address at most once per MAIL_COOLDOWN. Notifications carry no link.
 */
@Injectable()
export class AccountMail {
  private readonly accounts: AppConfig['accounts'];

  constructor(
    private readonly links: LinkTokens,
    private readonly outbox: MailOutbox,
    @InjectConfig() config: AppConfig,
  ) {
    this.accounts = config.accounts;
  }

  /** A verification link to the account's address; false when one went out within the cooldown. */
  async sendVerification(user: UserAccount, db?: SqlExecutor): Promise<boolean> {
    const link = await this.issueLink('verify_email', user.id, user.email, db);
    if (link) {
      await this.outbox.enqueue('verify-email', user.email, { email: user.email, ...link }, db);
    }
    return !!link;
  }

  /** The confirmation link to the new address, and a notice to the current one. */
  async sendEmailChange(user: UserAccount, newEmail: string, db?: SqlExecutor): Promise<boolean> {
    const link = await this.issueLink('change_email', user.id, newEmail, db);
    if (link) {
      await this.outbox.enqueue('confirm-email-change', newEmail, { email: newEmail, ...link }, db);
      await this.outbox.enqueue(
        'email-change-requested',
        user.email,
        { email: user.email, newEmail },
        db,
      );
    }
    return !!link;
  }

  /** A password-reset link to the account's address; false within the cooldown. */
  async sendPasswordReset(user: UserAccount, db?: SqlExecutor): Promise<boolean> {
    const link = await this.issueLink('reset_password', user.id, user.email, db);
    if (link) {
      await this.outbox.enqueue('reset-password', user.email, { email: user.email, ...link }, db);
    }
    return !!link;
  }

  /** A reset link for an operator to hand over (the CLI): no mail, no cooldown. */
  async passwordResetLink(user: UserAccount): Promise<{ link: string; expiresIn: string }> {
    return (await this.issueLink('reset_password', user.id, user.email, undefined, 0))!;
  }

  notify(
    kind: 'password-changed' | 'password-reset',
    user: UserAccount,
    db?: SqlExecutor,
  ): Promise<void> {
    return this.outbox.enqueue(kind, user.email, { email: user.email }, db);
  }

  private async issueLink(
    purpose: LinkPurpose,
    userId: string,
    email: string,
    db?: SqlExecutor,
    cooldownSeconds = this.accounts.mailCooldown,
  ): Promise<{ link: string; expiresIn: string } | undefined> {
    const ttlSeconds =
      purpose === 'reset_password' ? this.accounts.resetTtl : this.accounts.verificationTtl;
    const token = await this.links.issue(
      { userId, purpose, email },
      { ttlSeconds, cooldownSeconds },
      db,
    );
    if (!token) {
      return undefined;
    }
    const page = purpose === 'reset_password' ? 'reset-password' : 'verify-email';
    return {
      link: `${this.accounts.url}/${page}?token=${token}`,
      expiresIn: describeDuration(ttlSeconds),
    };
  }
}
