import { HttpStatus } from '@nestjs/common';

import { AppError } from 'src/common/app-error';

/** The same answer for an unknown email and a wrong password. */
export class InvalidCredentialsError extends AppError {
  constructor() {
    super(HttpStatus.UNAUTHORIZED, 'invalid_credentials', 'Invalid email or password.');
  }
}

/** A password change whose current password is wrong. */
export class WrongPasswordError extends AppError {
  constructor() {
    super(HttpStatus.UNAUTHORIZED, 'invalid_credentials', 'The current password is wrong.');
  }
}

export class InvalidRefreshTokenError extends AppError {
  constructor(detail = 'The refresh token is missing, malformed or expired.') {
    super(HttpStatus.UNAUTHORIZED, 'invalid_refresh_token', detail);
  }
}

export class SessionExpiredError extends AppError {
  constructor() {
    super(HttpStatus.UNAUTHORIZED, 'session_expired', 'The session has expired; log in again.');
  }
}

export class SessionRevokedError extends AppError {
  constructor() {
    super(HttpStatus.UNAUTHORIZED, 'session_revoked', 'The session has been ended; log in again.');
  }
}

export class RefreshTokenReusedError extends AppError {
  constructor() {
    super(
      HttpStatus.UNAUTHORIZED,
      'refresh_token_reused',
      'This refresh token was already used; the session has been revoked.',
    );
  }
}

export class CsrfRejectedError extends AppError {
  constructor() {
    super(
      HttpStatus.FORBIDDEN,
      'csrf_rejected',
      'Cookie-authenticated requests are accepted only from allowed origins.',
    );
  }
}

/** A right password (or other proof) for an account an administrator has disabled. */
export class AccountDisabledError extends AppError {
  constructor() {
    super(HttpStatus.FORBIDDEN, 'account_disabled', 'This account has been disabled.');
  }
}

/** EMAIL_VERIFICATION=required, and the token's user has not verified their address yet. */
export class EmailNotVerifiedError extends AppError {
  constructor() {
    super(
      HttpStatus.FORBIDDEN,
      'email_not_verified',
      'Verify your email address first: follow the link in the mail Warden sent you.',
    );
  }
}
