import { HttpStatus } from '@nestjs/common';

/**
 * An error the API reports to its caller: an HTTP status and a stable machine-readable code.
 * The problem+json filter turns it into `{ type, title, status, detail, code }`.
 */
export class AppError extends Error {
  constructor(
    readonly status: HttpStatus,
    readonly code: string,
    readonly detail: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = new.target.name;
  }
}

export interface FieldError {
  field: string;
  message: string;
}

/** A problem lists at most this many field errors: enough to fix a request, cheap to send. */
export const MAX_FIELD_ERRORS = 20;

export class ValidationFailedError extends AppError {
  readonly errors: FieldError[];

  constructor(errors: FieldError[]) {
    super(HttpStatus.BAD_REQUEST, 'validation_failed', 'The request is invalid.');
    this.errors = errors.slice(0, MAX_FIELD_ERRORS);
  }
}

/** Raised by the global access-token guard, so every protected route can answer it. */
export class InvalidAccessTokenError extends AppError {
  constructor(detail = 'The access token is missing, malformed, expired or revoked.') {
    super(HttpStatus.UNAUTHORIZED, 'invalid_access_token', detail, {
      'WWW-Authenticate': 'Bearer error="invalid_token"',
    });
  }
}

export class ForbiddenError extends AppError {
  constructor(detail = 'This requires a role the signed-in user does not have.') {
    super(HttpStatus.FORBIDDEN, 'forbidden', detail);
  }
}

export class NotFoundError extends AppError {
  constructor(detail = 'The requested resource does not exist.') {
    super(HttpStatus.NOT_FOUND, 'not_found', detail);
  }
}

export class TooManyRequestsError extends AppError {
  constructor(retryAfterSeconds: number) {
    super(
      HttpStatus.TOO_MANY_REQUESTS,
      'too_many_requests',
      'Too many requests; try again later.',
      {
        'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))),
      },
    );
  }
}

export class ServiceUnavailableError extends AppError {
  constructor(
    detail = 'The service is temporarily unavailable; try again later.',
    retryAfterSeconds = 5,
  ) {
    super(HttpStatus.SERVICE_UNAVAILABLE, 'service_unavailable', detail, {
      'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))),
    });
  }
}
