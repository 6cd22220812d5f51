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
  TooManyRequestsError,
  ValidationFailedError,
} from 'src/common/app-error';
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
}

/** The problems that any JSON-bodied route can answer before it reaches its handler. */
export const BODY_PROBLEMS: AppError[] = [
  new ValidationFailedError([{ field: 'email', message: 'email must be an email' }]),
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

export const RATE_LIMIT_PROBLEMS: AppError[] = [new TooManyRequestsError(60)];

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
