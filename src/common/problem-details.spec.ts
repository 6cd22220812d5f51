import {
  BadRequestException,
  NotFoundException,
  ServiceUnavailableException,
} from '@nestjs/common';
import { QueryFailedError } from 'typeorm';

import { AppError, TooManyRequestsError, ValidationFailedError } from 'src/common/app-error';
import { toProblemResponse } from 'src/common/problem-details';
import { loggableError } from 'src/common/problem-details.filter';

function fastifyError(statusCode: number, code: string, message = 'fastify says no'): Error {
  return Object.assign(new Error(message), { statusCode, code });
}

describe(toProblemResponse.name, () => {
  it('should render an application error with its status, code and detail', () => {
    const { problem, headers } = toProblemResponse(new AppError(409, 'email_taken', 'Taken.'));

    expect(problem).toEqual({
      type: 'about:blank',
      title: 'Conflict',
      status: 409,
      detail: 'Taken.',
      code: 'email_taken',
    });
    expect(headers).toEqual({});
  });

  it('should list the field errors of a validation failure', () => {
    const { problem } = toProblemResponse(
      new ValidationFailedError([{ field: 'email', message: 'bad' }]),
    );

    expect(problem).toMatchObject({
      status: 400,
      code: 'validation_failed',
      errors: [{ field: 'email', message: 'bad' }],
    });
  });

  it('should send Retry-After with a rate limit', () => {
    expect(toProblemResponse(new TooManyRequestsError(12.2)).headers).toEqual({
      'Retry-After': '13',
    });
  });

  it.each([
    [fastifyError(413, 'FST_ERR_CTP_BODY_TOO_LARGE'), 413, 'payload_too_large'],
    [fastifyError(415, 'FST_ERR_CTP_INVALID_MEDIA_TYPE'), 415, 'unsupported_media_type'],
    [fastifyError(400, 'FST_ERR_CTP_INVALID_CONTENT_LENGTH'), 400, 'validation_failed'],
    [new NotFoundException('Cannot GET /x'), 404, 'not_found'],
    [new BadRequestException('nope'), 400, 'validation_failed'],
  ])('should map %p to %p %p without echoing its message', (error, status, code) => {
    const { problem } = toProblemResponse(error);

    expect(problem).toMatchObject({ status, code });
    expect(problem.detail).not.toMatch(/fastify says no|Cannot GET|nope/);
  });

  it('should say a body is not JSON when the JSON parser fails', () => {
    const syntax = Object.assign(new SyntaxError('Unexpected token'), { statusCode: 400 });

    expect(toProblemResponse(syntax).problem).toMatchObject({
      status: 400,
      code: 'validation_failed',
      detail: 'The request body is not valid JSON.',
    });
  });

  it('should report failed health checks under `checks`', () => {
    const failed = new ServiceUnavailableException({
      status: 'error',
      details: { database: { status: 'down' } },
    });

    expect(toProblemResponse(failed).problem).toMatchObject({
      status: 503,
      code: 'service_unavailable',
      checks: { database: { status: 'down' } },
    });
  });

  it('should answer 503 when the database cannot be reached', () => {
    const refused = new QueryFailedError(
      'SELECT 1',
      [],
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    );

    expect(toProblemResponse(refused)).toEqual({
      problem: expect.objectContaining({ status: 503, code: 'service_unavailable' }) as unknown,
      headers: { 'Retry-After': '5' },
    });
  });

  it('should hide anything else behind a generic 500', () => {
    const { problem } = toProblemResponse(
      new TypeError("Cannot read properties of undefined (reading 'secret')"),
    );

    expect(problem).toEqual({
      type: 'about:blank',
      title: 'Internal Server Error',
      status: 500,
      detail: 'An unexpected error occurred.',
      code: 'internal_error',
    });
  });
});

describe(loggableError.name, () => {
  it('should keep the query of a failed statement but never its parameters', () => {
    const hash = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA';
    const failed = new QueryFailedError(
      'INSERT INTO users (email, password_hash) VALUES ($1, $2)',
      ['ada@example.com', hash],
      Object.assign(new Error('deadlock detected'), { code: '40P01' }),
    );

    const logged = loggableError(failed);

    expect(JSON.stringify(logged, Object.getOwnPropertyNames(logged))).not.toContain(hash);
    expect(logged).toMatchObject({
      message: 'deadlock detected',
      query: failed.query,
      code: '40P01',
    });
  });

  it('should pass any other error through', () => {
    const error = new Error('boom');

    expect(loggableError(error)).toBe(error);
  });
});
