import { STATUS_CODES } from 'node:http';

import { HttpException, HttpStatus, ServiceUnavailableException } from '@nestjs/common';

import { AppError, ServiceUnavailableError, type FieldError } from 'src/common/app-error';
import { BODY_NOT_JSON } from 'src/common/json-body';

/** An RFC 9457 problem document, as every error response carries it. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

export interface ProblemResponse {
  problem: Problem;
  headers: Record<string, string>;
}

const CODE_BY_STATUS: Record<number, string> = {
  400: 'validation_failed',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  406: 'not_acceptable',
  408: 'request_timeout',
  409: 'conflict',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  417: 'expectation_failed',
  429: 'too_many_requests',
  431: 'request_header_fields_too_large',
  503: 'service_unavailable',
};

const DETAIL_BY_CODE: Record<string, string> = {
  validation_failed: 'The request is invalid.',
  not_found: 'The requested resource does not exist.',
  method_not_allowed: 'The method is not allowed on this resource.',
  payload_too_large: 'The request body is larger than the 16 KiB limit.',
  unsupported_media_type: 'Request bodies must be JSON (Content-Type: application/json).',
  too_many_requests: 'Too many requests; try again later.',
  service_unavailable: 'The service is temporarily unavailable; try again later.',
  internal_error: 'An unexpected error occurred.',
};

/** Errors of the database connection (not of a statement): the request may succeed later. */
const UNAVAILABLE_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '08000', // connection_exception
  '08003', // connection_does_not_exist
  '08006', // connection_failure
]);

function problem(status: number, code: string, detail: string): Problem {
  return { type: 'about:blank', title: STATUS_CODES[status] ?? 'Error', status, detail, code };
}

/**
 * Errors are read by shape, not by class: the ones raised inside Node (sockets, DNS) or a driver
 * may come from another realm than this module's `Error`.
 */
interface ErrorLike {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  statusCode?: unknown;
  driverError?: unknown;
}

function errorLike(value: unknown): ErrorLike | undefined {
  return typeof value === 'object' && value !== null ? value : undefined;
}

const CONNECTION_FAILURE_MESSAGE =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|waiting for the embedded database session/i;

/** A failure of the database connection (not of a statement): the request may succeed later. */
function isConnectionFailure(error: ErrorLike): boolean {
  return [error, errorLike(error.driverError)].some(
    (cause) =>
      cause !== undefined &&
      ((typeof cause.code === 'string' && UNAVAILABLE_ERROR_CODES.has(cause.code)) ||
        (typeof cause.message === 'string' && CONNECTION_FAILURE_MESSAGE.test(cause.message))),
  );
}

/** Errors that Fastify raises itself (body parsing, limits) carry an HTTP status code of their own. */
function fastifyStatus({ statusCode, code, name }: ErrorLike): number | undefined {
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    return statusCode;
  }
  return typeof code === 'string' && code.startsWith('FST_ERR') && name === 'SyntaxError'
    ? HttpStatus.BAD_REQUEST
    : undefined;
}

/** Maps any error to the problem document and headers the client receives. */
export function toProblemResponse(error: unknown): ProblemResponse {
  if (error instanceof AppError) {
    const body = problem(error.status, error.code, error.detail);
    if ('errors' in error) {
      body.errors = (error as { errors: FieldError[] }).errors;
    }
    return { problem: body, headers: error.headers };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const code = CODE_BY_STATUS[status] ?? (status >= 500 ? 'internal_error' : 'bad_request');
    const body = problem(status, code, DETAIL_BY_CODE[code] ?? STATUS_CODES[status] ?? 'Error');
    const response = error.getResponse();
    // Terminus reports which health checks failed.
    if (error instanceof ServiceUnavailableException && typeof response === 'object') {
      body.checks = (response as { details?: unknown }).details;
    }
    return { problem: body, headers: {} };
  }
  const unknown = errorLike(error);
  if (unknown && isConnectionFailure(unknown)) {
    return toProblemResponse(new ServiceUnavailableError());
  }
  const status = unknown && fastifyStatus(unknown);
  if (status) {
    const code = CODE_BY_STATUS[status] ?? 'bad_request';
    const detail =
      unknown?.name === 'SyntaxError'
        ? BODY_NOT_JSON
        : (DETAIL_BY_CODE[code] ?? STATUS_CODES[status] ?? 'Error');
    return { problem: problem(status, code, detail), headers: {} };
  }
  return {
    problem: problem(
      HttpStatus.INTERNAL_SERVER_ERROR,
      'internal_error',
      DETAIL_BY_CODE.internal_error,
    ),
    headers: {},
  };
}
