import type { LoggerService } from '@nestjs/common';
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';

/**
 * What a log line says of a request, wherever one is logged under `req` (by us or by Fastify):
 * method, path, route pattern and client address. Never a header, cookie, body or query string:
 * a client that puts a token in the query string must not get it logged.
 */
function serializeRequest(request: FastifyRequest) {
  const queryAt = request.url.indexOf('?');
  return {
    method: request.method,
    url: queryAt === -1 ? request.url : request.url.slice(0, queryAt),
    route: request.routeOptions?.url,
    ip: request.clientAddress,
  };
}

/**
 * JSON logs with pino: one line per request (its id, method, path, route, client address, status
 * and duration) and the application's own messages.
 */
export function createLogger(level: LevelWithSilent, destination?: DestinationStream): Logger {
  // Written asynchronously: under load, lines that queue up behind a write go out together (and
  // are flushed on exit), instead of one write(2) per request. Fastify gives its own serializers
  // to the logger it is handed, except for those the logger already has: this one for `req`.
  return pino(
    { level, serializers: { req: serializeRequest } },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

/** One line per request, when its response has been sent (Fastify's default is two). */
export class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    const line = {
      req: request,
      res: reply,
      responseTime: Math.round(reply.elapsedTime * 10) / 10,
    };
    if (error || reply.statusCode >= 500) {
      request.log.error(line, 'request completed');
    } else {
      request.log.info(line, 'request completed');
    }
  }
}

type Level = 'info' | 'error' | 'warn' | 'debug' | 'trace' | 'fatal';

/** Nest's `Logger` on the same pino logger: `{ context, msg }` lines. */
export class PinoLoggerService implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(level: Level, message: unknown, params: unknown[]): void {
    if (!this.logger.isLevelEnabled(level)) {
      return;
    }
    // Nest passes the context (the logger's name) last.
    const context = typeof params.at(-1) === 'string' ? params.at(-1) : undefined;
    if (message instanceof Error) {
      this.logger[level]({ context, err: message }, message.message);
    } else if (typeof message === 'object' && message !== null) {
      this.logger[level]({ context, ...message });
    } else {
      this.logger[level]({ context }, String(message));
    }
  }
}
