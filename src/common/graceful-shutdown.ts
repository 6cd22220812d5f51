import type { FastifyInstance } from 'fastify';

/**
 * On shutdown (SIGTERM), the server stops accepting connections and waits for the requests in
 * flight. Their responses say `Connection: close`, so keep-alive clients let go at once instead
 * of holding the shutdown until their idle timeout. The database and Redis pools close after.
 * The start of the shutdown is logged, and the moment the last request has been answered.
 */
export function closeConnectionsOnShutdown(fastify: FastifyInstance): void {
  let closing = false;
  fastify.addHook('preClose', (done) => {
    closing = true;
    fastify.log.info('Shutting down: no new connections; answering the requests in flight');
    done();
  });
  fastify.addHook('onClose', (_instance, done) => {
    fastify.log.info('Every request answered; closing the connection pools');
    done();
  });
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) {
      void reply.header('connection', 'close');
    }
    done(null, payload);
  });
}
