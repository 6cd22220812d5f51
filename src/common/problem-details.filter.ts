import { Catch, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

import { toProblemResponse, type ProblemResponse } from 'src/common/problem-details';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

export function sendProblem(reply: FastifyReply, { problem, headers }: ProblemResponse): void {
  void reply
    .status(problem.status)
    .headers(headers)
    .header('content-type', PROBLEM_CONTENT_TYPE)
    .send(JSON.stringify(problem));
}

/** Every error leaves the API as problem+json; unexpected ones are logged, never described. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(error: unknown, host: ArgumentsHost): void {
    const response = toProblemResponse(error);
    if (response.problem.status >= 500) {
      this.logger.error(error);
    }
    sendProblem(host.switchToHttp().getResponse<FastifyReply>(), response);
  }
}
