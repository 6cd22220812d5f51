import { Module } from '@nestjs/common';

import { AccountMail } from 'src/account-mail/account-mail';
import { LinkTokens } from 'src/account-mail/link-tokens';
import { LinkTokensRepository } from 'src/account-mail/link-tokens.repository';
import { MailModule } from 'src/mail/mail.module';

/**
 * The link tokens and the account mails, apart from the account flows, so that the sign-in core
 * (registration's verification mail, a password change's notice) can send them without importing
 * the account module, which builds on it.
 */
@Module({
  imports: [MailModule],
  providers: [AccountMail, LinkTokens, LinkTokensRepository],
  exports: [AccountMail, LinkTokens],
})
export class AccountMailModule {}
