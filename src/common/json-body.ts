import type { FastifyInstance } from 'fastify';

/** DESIGN.md section 5: request bodies are at most 16 KiB. */
export const MAX_BODY_BYTES = 16 * 1024;

/**
 * Bodies are JSON only: any other content type is refused with 415, so a cross-site form post can
 * never reach a handler. An empty body with a JSON content type counts as no body, which is what
 * clients that always send the header mean.
 */
export function acceptJsonBodiesOnly(fastify: FastifyInstance): void {
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'string', bodyLimit: MAX_BODY_BYTES },
    (request, body, done) => {
      if (body === '') {
        done(null, undefined);
        return;
      }
      void parseJson(request, body as string, done);
    },
  );
}
