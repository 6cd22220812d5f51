import fastifyCookie from '@fastify/cookie';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import type { DestinationStream } from 'pino';

import { AppModule } from 'src/app.module';
import { decorateClientAddress } from 'src/common/client-address';
import {
  answerClientError,
  answerHttpProtocolErrors,
  answerUnroutableRequest,
} from 'src/common/framework-errors';
import { closeConnectionsOnShutdown } from 'src/common/graceful-shutdown';
import { acceptJsonBodiesOnly, MAX_BODY_BYTES } from 'src/common/json-body';
import { createLogger, OneLinePerRequest, PinoLoggerService } from 'src/common/logging';
import { echoRequestId, requestIdOf } from 'src/common/request-id';
import { sendSecurityHeaders } from 'src/common/security-headers';
import { parseEnv, readProcessEnv, type AppConfig } from 'src/config/env.schema';
import { MailWorker } from 'src/mail/mail-worker';
import { setUpSwagger } from 'src/swagger';

export interface CreateAppOptions {
  /** The environment to configure from; by default `process.env`, completed from `./.env`. */
  env?: Record<string, string | undefined>;
  /** Where the JSON logs go; standard output by default. */
  logDestination?: DestinationStream;
}

/**
 * Responses are personal (tokens, profiles, sessions) unless a route says otherwise (the JWKS is
 * public): nothing is stored by a browser or a proxy cache unless the route sets Cache-Control.
 */
function neverCachedByDefault(fastify: FastifyInstance): void {
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (!reply.hasHeader('cache-control')) {
      void reply.header('cache-control', 'no-store');
    }
    done(null, payload);
  });
}

/** A number of proxy hops becomes the function Fastify's types ask for. */
function fastifyTrustProxy(trustProxy: AppConfig['trustProxy']) {
  return typeof trustProxy === 'number'
    ? (_address: string, hop: number) => hop < trustProxy
    : trustProxy;
}

/** Builds and initialises the application exactly as `main.ts` serves it; tests use it too. */
export async function createApp(
  options: CreateAppOptions = {},
): Promise<{ app: NestFastifyApplication; config: AppConfig }> {
  const config = parseEnv(options.env ?? readProcessEnv());
  const logger = createLogger(config.logLevel, options.logDestination);
  const adapter = new FastifyAdapter({
    bodyLimit: MAX_BODY_BYTES,
    trustProxy: fastifyTrustProxy(config.trustProxy),
    genReqId: requestIdOf,
    loggerInstance: logger,
    logController: new OneLinePerRequest(),
    frameworkErrors: answerUnroutableRequest,
    clientErrorHandler: answerClientError,
    http: { requireHostHeader: false },
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    logger: new PinoLoggerService(logger),
    abortOnError: false,
    bodyParser: false,
  });
  app.enableShutdownHooks();
  await app.register(fastifyCookie);
  const fastify = app.getHttpAdapter().getInstance();
  // The request id and the security headers first: the hooks after them may answer at once.
  echoRequestId(fastify);
  sendSecurityHeaders(fastify);
  decorateClientAddress(fastify);
  neverCachedByDefault(fastify);
  acceptJsonBodiesOnly(fastify);
  answerHttpProtocolErrors(fastify);
  closeConnectionsOnShutdown(fastify);
  app.enableCors({
    origin: config.corsOrigins.length > 0 ? config.corsOrigins : false,
    credentials: true,
    methods: ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type', 'X-Request-Id'],
    exposedHeaders: ['Retry-After', 'X-Request-Id'],
    maxAge: 600,
    // An OPTIONS request that is not a preflight is answered like one, not refused in plain text.
    strictPreflight: false,
  });
  setUpSwagger(app);
  await app.init();
  // The server delivers the outbox; the CLI, which boots the same modules, does not.
  app.get(MailWorker).start();
  return { app, config };
}
