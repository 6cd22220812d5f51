import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';

import {
  BadRequestException,
  HttpException,
  HttpStatus,
  RequestTimeoutException,
} from '@nestjs/common';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { NotFoundError } from 'src/common/app-error';
import { PROBLEM_CONTENT_TYPE } from 'src/common/problem-details.filter';
import { toProblemResponse } from 'src/common/problem-details';
import { SECURITY_HEADERS } from 'src/common/security-headers';

/**
 * The headers every response carries, for the answers written here, before or without the hooks
 * that add them to every other response (the security headers, the request id, the cache default).
 */
const BASELINE_HEADERS = { ...SECURITY_HEADERS, 'cache-control': 'no-store' };

/**
 * Fastify answers some requests before any route, and so Nest, sees them: a path that is not valid
 * percent-encoding, or a path parameter over the router's length limit. Neither path can name a
 * resource, so both are the `not_found` problem that any other unknown path gets.
 */
export function answerUnroutableRequest(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const unroutable = error.code === 'FST_ERR_BAD_URL' || error.code === 'FST_ERR_MAX_PARAM_LENGTH';
  const { problem } = toProblemResponse(unroutable ? new NotFoundError() : error);
  void reply
    .status(problem.status)
    .headers({ ...BASELINE_HEADERS, 'x-request-id': request.id })
    .header('content-type', PROBLEM_CONTENT_TYPE)
    .send(JSON.stringify(problem));
}

/**
 * Requests that Node's HTTP parser refuses (a malformed request line or header, headers too large,
 * a request that took too long to arrive) never become requests: the answer is written to the
 * socket, as problem+json too, and the connection is closed.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed || !socket.writable) {
    socket.destroy();
    return;
  }
  const exception =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? new RequestTimeoutException()
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? new HttpException('', 431)
        : new BadRequestException();
  const { problem } = toProblemResponse(exception);
  const body = JSON.stringify(problem);
  const headers = {
    ...BASELINE_HEADERS,
    'x-request-id': randomUUID(),
    'content-type': PROBLEM_CONTENT_TYPE,
    'content-length': Buffer.byteLength(body),
    connection: 'close',
  };
  socket.end(
    `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status]}\r\n` +
      Object.entries(headers)
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join('') +
      '\r\n' +
      body,
  );
}

/**
 * Two requests that Node's HTTP server would answer itself, with an empty body: an HTTP/1.1
 * request without `Host` (refused here instead, with the server's own check turned off in
 * `createApp`), and an `Expect` header other than `100-continue`.
 */
export function answerHttpProtocolErrors(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, _reply, done) => {
    const hostMissing = request.raw.httpVersion === '1.1' && request.headers.host === undefined;
    done(hostMissing ? new BadRequestException() : undefined);
  });
  fastify.server.on('checkExpectation', (_request, response) => {
    const { problem } = toProblemResponse(new HttpException('', HttpStatus.EXPECTATION_FAILED));
    const body = JSON.stringify(problem);
    response.writeHead(problem.status, {
      ...BASELINE_HEADERS,
      'x-request-id': randomUUID(),
      'content-type': PROBLEM_CONTENT_TYPE,
      'content-length': Buffer.byteLength(body),
      connection: 'close',
    });
    response.end(body);
  });
}
