import { HttpStatus } from '@nestjs/common';

import { AppError } from 'src/common/app-error';

export class EmailTakenError extends AppError {
  constructor() {
    super(HttpStatus.CONFLICT, 'email_taken', 'An account with this email address already exists.');
  }
}

/** A valid access token whose account has since been deleted. */
export class AccountGoneError extends AppError {
  constructor() {
    super(
      HttpStatus.UNAUTHORIZED,
      'invalid_access_token',
      'The account of this access token no longer exists.',
    );
  }
}
