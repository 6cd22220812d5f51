import { Module } from '@nestjs/common';

import { AccountDeletion } from 'src/account/account-deletion.service';
import { AccountMailModule } from 'src/account-mail/account-mail.module';
import {
  AccountController,
  EmailVerificationController,
  PasswordResetController,
} from 'src/account/account.controller';
import { DeferredRequests } from 'src/account/deferred-requests';
import { EmailChange } from 'src/account/email-change.service';
import { EmailVerification } from 'src/account/email-verification.service';
import { AccountPagesController } from 'src/account/pages/account-pages.controller';
import { PasswordReset } from 'src/account/password-reset.service';
import { AuditModule } from 'src/audit/audit.module';
import { AuthModule } from 'src/auth/auth.module';
import { RateLimitModule } from 'src/rate-limit/rate-limit.module';
import { SessionsModule } from 'src/sessions/sessions.module';
import { UsersModule } from 'src/users/users.module';

/**
 * The account lifecycle: email verification, password reset, email change and deletion, with
 * Warden's own pages for the mailed links.
 */
@Module({
  imports: [
    AccountMailModule,
    AuthModule,
    UsersModule,
    SessionsModule,
    AuditModule,
    RateLimitModule,
  ],
  controllers: [
    EmailVerificationController,
    PasswordResetController,
    AccountController,
    AccountPagesController,
  ],
  providers: [EmailVerification, PasswordReset, EmailChange, AccountDeletion, DeferredRequests],
  exports: [PasswordReset, AccountDeletion],
})
export class AccountModule {}
