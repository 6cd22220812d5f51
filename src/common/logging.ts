import type { LoggerService } from '@nestjs/common';
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';

/**
 * JSON logs with pino: one line per request (its id, method, path, status and duration) and the
 * application's own messages. Never a token, cookie, password or body: requests are logged from
 * the fields named here only.
 */
export function createLogger(level: LevelWithSilent, destination?: DestinationStream): Logger {
  // Written asynchronously: under load, lines that queue up behind a write go out together (and
  // are flushed on exit), instead of one write(2) per request.
  return pino({ level }, destination ?? pino.destination({ dest: 1, sync: false }));
}

/** One line per request, when its response has been sent (Fastify's default is two). */
export class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    // The path only: a client that puts a token in the query string must not get it logged.
    const queryAt = request.url.indexOf('?');
    const path = queryAt === -1 ? request.url : request.url.slice(0, queryAt);
    const line = {
      req: { method: request.method, url: path, remoteAddress: request.ip },
      res: { statusCode: reply.statusCode },
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
