import { applyDecorators, HttpStatus } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiProperty,
  ApiPropertyOptional,
  ApiResponse,
  getSchemaPath,
} from '@nestjs/swagger';

import {
  AppError,
  InvalidAccessTokenError,
  ServiceUnavailableError,
  TooManyRequestsError,
  ValidationFailedError,
  type FieldError,
} from 'src/common/app-error';
import { BODY_NOT_JSON } from 'src/common/json-body';
import { toProblemResponse } from 'src/common/problem-details';

export const ACCESS_TOKEN_SCHEME = 'access-token';
export const REFRESH_COOKIE_SCHEME = 'refresh-cookie';

class FieldErrorDto {
  @ApiProperty({ example: 'email' })
  field!: string;

  @ApiProperty({ example: 'email must be an email' })
  message!: string;
}

export class ProblemDto {
  @ApiProperty({ example: 'about:blank' })
  type!: string;

  @ApiProperty({ example: 'Unauthorized' })
  title!: string;

  @ApiProperty({ example: 401 })
  status!: number;

  @ApiProperty({ example: 'Invalid email or password.' })
  detail!: string;

  @ApiProperty({
    description: 'Stable, machine-readable error code.',
    example: 'invalid_credentials',
  })
  code!: string;

  @ApiPropertyOptional({ type: [FieldErrorDto], description: 'Present on `validation_failed`.' })
  errors?: FieldErrorDto[];

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: "Present on `/health/ready`'s 503: the state of each dependency.",
    example: { database: { status: 'down' } },
  })
  checks?: Record<string, unknown>;
}

/**
 * The problems that any JSON-bodied route can answer before it reaches its handler, with an
 * example of the route's own validation error.
 */
export function bodyProblems(example: FieldError): AppError[] {
  return [
    new ValidationFailedError([example]),
    new AppError(
      HttpStatus.PAYLOAD_TOO_LARGE,
      'payload_too_large',
      'The request body is larger than the 16 KiB limit.',
    ),
    new AppError(
      HttpStatus.UNSUPPORTED_MEDIA_TYPE,
      'unsupported_media_type',
      'Request bodies must be JSON (Content-Type: application/json).',
    ),
  ];
}

/** The validation error of a route whose only body field is optional: a body that is not JSON. */
export const NOT_JSON: FieldError = { field: 'body', message: BODY_NOT_JSON };

export const RATE_LIMIT_PROBLEMS: AppError[] = [new TooManyRequestsError(60)];

/** What every route that uses the database can answer: its rate limit, and a database outage. */
export const SERVICE_PROBLEMS: AppError[] = [...RATE_LIMIT_PROBLEMS, new ServiceUnavailableError()];

/** The refresh and device cookies, as the sign-in responses of the cookie transport set them. */
export const SET_AUTH_COOKIES = {
  'Set-Cookie': {
    description:
      'With `transport: "cookie"` (the default) only: `refresh_token=…; Max-Age=…; Path=/auth; HttpOnly; Secure; SameSite=Strict`, and the device token, `device=…; Max-Age=31536000; Path=/auth; HttpOnly; Secure; SameSite=Strict`.',
    schema: { type: 'string' },
  },
};

/** The refresh cookie cleared, as logout and logout-all answer. */
export const CLEAR_REFRESH_COOKIE = {
  'Set-Cookie': {
    description: 'Clears the refresh cookie: `refresh_token=; Max-Age=0; Path=/auth; …`.',
    schema: { type: 'string' },
  },
};

/** What every route behind the access-token guard can answer. */
export const UNAUTHENTICATED_PROBLEMS: AppError[] = [new InvalidAccessTokenError()];

/**
 * Documents the problem+json responses of a route, one response per status, with each error's
 * real code and detail as a named example.
 */
export function ApiProblems(...errors: AppError[]): MethodDecorator & ClassDecorator {
  const byStatus = new Map<number, AppError[]>();
  for (const error of errors) {
    byStatus.set(error.status, [...(byStatus.get(error.status) ?? []), error]);
  }
  return applyDecorators(
    ApiExtraModels(ProblemDto),
    ...[...byStatus].map(([status, sameStatus]) =>
      ApiResponse({
        status,
        description: sameStatus.map((error) => `\`${error.code}\``).join(', '),
        headers:
          sameStatus[0] instanceof TooManyRequestsError
            ? { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' } } }
            : undefined,
        content: {
          'application/problem+json': {
            schema: { $ref: getSchemaPath(ProblemDto) },
            examples: Object.fromEntries(
              sameStatus.map((error) => [error.code, { value: toProblemResponse(error).problem }]),
            ),
          },
        },
      }),
    ),
  );
}
