import { Injectable } from '@nestjs/common';

import { AccountMail } from 'src/account-mail/account-mail';
import { PasswordCheck } from 'src/auth/password/password-check.service';
import { ValidationFailedError } from 'src/common/app-error';
import type { ClientInfo } from 'src/common/client-info.decorator';
import type { AuthenticatedUser } from 'src/common/current-user.decorator';
import { Sql } from 'src/database/sql';
import { RateLimiter } from 'src/rate-limit/rate-limiter';
import { canonicalEmail } from 'src/users/email';
import { EmailTakenError } from 'src/users/users.errors';
import { UsersService } from 'src/users/users.service';

/**
 * A change of address, asked for with the current password: a confirmation link goes to the new
 * address and a notice to the current one; the change applies only when that link is used
 * (`EmailVerification.verify`). A new request replaces the previous one.
 */
@Injectable()
export class EmailChange {
  constructor(
    private readonly check: PasswordCheck,
    private readonly users: UsersService,
    private readonly accountMail: AccountMail,
    private readonly limiter: RateLimiter,
    private readonly sql: Sql,
  ) {}

  async request(
    principal: AuthenticatedUser,
    newEmail: string,
    currentPassword: string,
    client: ClientInfo,
  ): Promise<void> {
    const account = await this.check.verify(principal.userId, currentPassword, client);
    const target = canonicalEmail(newEmail);
    if (target === account.email) {
      throw new ValidationFailedError([
        { field: 'newEmail', message: 'newEmail must differ from the current email' },
      ]);
    }
    if (await this.users.findByEmail(target)) {
      throw new EmailTakenError();
    }
    if (!(await this.limiter.tryConsume('mail', target))) {
      return;
    }
    await this.sql.transaction((tx) => this.accountMail.sendEmailChange(account, target, tx));
  }
}
