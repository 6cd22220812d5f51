import { HttpStatus } from '@nestjs/common';

import { AppError } from 'src/common/app-error';

export class EmailTakenError extends AppError {
  constructor() {
    super(HttpStatus.CONFLICT, 'email_taken', 'An account with this email address already exists.');
  }
}
