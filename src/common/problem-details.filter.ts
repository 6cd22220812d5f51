import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { toProblemResponse } from 'src/common/problem-details';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

interface QueryError {
  name?: string;
  message?: string;
  stack?: string;
  code?: string;
  query?: unknown;
  driverError?: QueryError;
}

/** Errors of a failed statement: TypeORM's (`parameters`), or the driver's own (PGlite: `params`). */
function isQueryError(error: unknown): error is QueryError {
  return (
    typeof error === 'object' &&
    error !== null &&
    ['parameters', 'params', 'driverError'].some((field) => field in error)
  );
}

/**
 * What may be logged of an unexpected error. The parameters of a failed query never are: they can
 * hold password hashes and token digests.
 */
export function loggableError(error: unknown): unknown {
  if (!isQueryError(error)) {
    return error;
  }
  return Object.assign(new Error(error.message), {
    name: error.name,
    stack: error.stack,
    query: typeof error.query === 'string' ? error.query : undefined,
    code: error.driverError?.code ?? error.code,
  });
}

/** Every error leaves the API as problem+json; unexpected ones are logged, never described. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    const { problem, headers } = toProblemResponse(error);
    const http = host.switchToHttp();
    if (problem.status >= 500) {
      // The request's logger: the line carries its id.
      http.getRequest<FastifyRequest>().log.error({ err: loggableError(error) }, 'request failed');
    }
    void http
      .getResponse<FastifyReply>()
      .status(problem.status)
      .headers(headers)
      .header('content-type', PROBLEM_CONTENT_TYPE)
      .send(JSON.stringify(problem));
  }
}
