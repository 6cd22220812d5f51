import { Body, Controller, Delete, HttpCode, HttpStatus, Post } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';

import { AccountDeletion } from 'src/account/account-deletion.service';
import {
  AcceptedDto,
  ChangeEmailDto,
  DeleteAccountDto,
  ForgotPasswordDto,
  LinkTokenDto,
  ResetPasswordDto,
  VerifiedEmailDto,
} from 'src/account/dto/account.dto';
import { EmailChange } from 'src/account/email-change.service';
import { EmailVerification } from 'src/account/email-verification.service';
import { InvalidLinkTokenError } from 'src/account-mail/link-tokens';
import { PasswordReset } from 'src/account/password-reset.service';
import { WrongPasswordError } from 'src/auth/auth.errors';
import { Public } from 'src/auth/decorators/public.decorator';
import { Client, type ClientInfo } from 'src/common/client-info.decorator';
import { CurrentUser, type AuthenticatedUser } from 'src/common/current-user.decorator';
import {
  ACCESS_TOKEN_SCHEME,
  ApiProblems,
  bodyProblems,
  NOT_JSON,
  SERVICE_PROBLEMS,
  UNAUTHENTICATED_PROBLEMS,
} from 'src/common/openapi';
import { AllowUnverifiedEmail } from 'src/common/unverified-email.decorator';
import { RateLimit } from 'src/rate-limit/rate-limit.decorator';
import { EmailTakenError } from 'src/users/users.errors';

/** The one answer of every 202 of the account flows (and of an administrator's reset mail). */
export const ACCEPTED: AcceptedDto = {
  message: 'If this address can receive it, a mail is on its way.',
};

const NEW_PASSWORD_PROBLEMS = bodyProblems({
  field: 'newPassword',
  message: 'newPassword must be between 8 and 128 characters long',
});

@ApiTags('account')
@Controller('auth/email')
export class EmailVerificationController {
  constructor(private readonly verification: EmailVerification) {}

  @Post('verification')
  @AllowUnverifiedEmail()
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiBearerAuth(ACCESS_TOKEN_SCHEME)
  @ApiOperation({
    summary: 'Send the verification mail again',
    description:
      'A new link to the current address (the previous one stops working). Nothing is sent when the address is verified already, when a verification mail left less than MAIL_COOLDOWN ago, or beyond RATE_LIMIT_MAIL; the answer is the same.',
  })
  @ApiAcceptedResponse({ type: AcceptedDto })
  @ApiProblems(...UNAUTHENTICATED_PROBLEMS, ...SERVICE_PROBLEMS)
  async resend(@CurrentUser() { userId }: AuthenticatedUser): Promise<AcceptedDto> {
    await this.verification.resend(userId);
    return ACCEPTED;
  }

  @Post('verify')
  @Public()
  @RateLimit('link')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Use a verification or email-change link',
    description:
      'The `token` of a `{ACCOUNT_URL}/verify-email?token=…` link. A verification link marks the address verified; an email-change link moves the account to the new address, verified. Each link works once. New access tokens (after a refresh) say `email_verified: true`.',
  })
  @ApiOkResponse({ type: VerifiedEmailDto })
  @ApiProblems(
    new InvalidLinkTokenError(),
    new EmailTakenError(),
    ...bodyProblems(NOT_JSON),
    ...SERVICE_PROBLEMS,
  )
  async verify(
    @Body() { token }: LinkTokenDto,
    @Client() client: ClientInfo,
  ): Promise<VerifiedEmailDto> {
    const account = await this.verification.verify(token, client);
    return { email: account.email, emailVerified: true };
  }
}

@ApiTags('account')
@Public()
@Controller('auth/password')
export class PasswordResetController {
  constructor(private readonly passwordReset: PasswordReset) {}

  @Post('forgot')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Ask for a password-reset mail',
    description:
      'Always 202 with the same body, in the same time, whether or not the address has an account, is cooling down (MAIL_COOLDOWN), is over RATE_LIMIT_MAIL, or SMTP is down: the answer says nothing about the address. An account gets a `{ACCOUNT_URL}/reset-password?token=…` link valid for PASSWORD_RESET_TTL; it replaces any earlier one.',
  })
  @ApiAcceptedResponse({ type: AcceptedDto })
  @ApiProblems(
    ...bodyProblems({ field: 'email', message: 'email must be an email address' }),
    ...SERVICE_PROBLEMS,
  )
  forgot(@Body() { email }: ForgotPasswordDto, @Client() client: ClientInfo): AcceptedDto {
    this.passwordReset.forgot(email, client);
    return ACCEPTED;
  }

  @Post('reset')
  @RateLimit('link')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Set a new password with a reset link',
    description:
      'The `token` of a `{ACCOUNT_URL}/reset-password?token=…` link and the new password (the registration rules). Every session of the user ends, refresh and access tokens alike; every outstanding reset link too; the address counts as verified and the login backoff is cleared. A password that breaks the rules leaves the link usable.',
  })
  @ApiNoContentResponse({ description: 'The password has been reset.' })
  @ApiProblems(new InvalidLinkTokenError(), ...NEW_PASSWORD_PROBLEMS, ...SERVICE_PROBLEMS)
  async reset(
    @Body() { token, newPassword }: ResetPasswordDto,
    @Client() client: ClientInfo,
  ): Promise<void> {
    await this.passwordReset.reset(token, newPassword, client);
  }
}

@ApiTags('users')
@ApiBearerAuth(ACCESS_TOKEN_SCHEME)
@Controller('users/me')
export class AccountController {
  constructor(
    private readonly emailChange: EmailChange,
    private readonly deletion: AccountDeletion,
  ) {}

  @Post('email')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Change the email address',
    description:
      'Needs the current password (checked like a password change). A confirmation link goes to the new address and a notice to the current one; the account moves only when the link is used. A new request replaces the previous one.',
  })
  @ApiAcceptedResponse({ type: AcceptedDto })
  @ApiProblems(
    new WrongPasswordError(),
    new EmailTakenError(),
    ...UNAUTHENTICATED_PROBLEMS,
    ...bodyProblems({ field: 'newEmail', message: 'newEmail must be an email address' }),
    ...SERVICE_PROBLEMS,
  )
  async changeEmail(
    @CurrentUser() user: AuthenticatedUser,
    @Body() { newEmail, currentPassword }: ChangeEmailDto,
    @Client() client: ClientInfo,
  ): Promise<AcceptedDto> {
    await this.emailChange.request(user, newEmail, currentPassword, client);
    return ACCEPTED;
  }

  @Delete()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Delete the account',
    description:
      'Needs the current password. Every token of the account stops working at once; its sessions, links and security events are deleted (one `account_deleted` event keeps the user id); the email can register again.',
  })
  @ApiNoContentResponse({ description: 'The account is gone.' })
  @ApiProblems(
    new WrongPasswordError(),
    ...UNAUTHENTICATED_PROBLEMS,
    ...bodyProblems({ field: 'currentPassword', message: 'currentPassword must be a string' }),
    ...SERVICE_PROBLEMS,
  )
  async delete(
    @CurrentUser() user: AuthenticatedUser,
    @Body() { currentPassword }: DeleteAccountDto,
    @Client() client: ClientInfo,
  ): Promise<void> {
    await this.deletion.deleteOwn(user, currentPassword, client);
  }
}
