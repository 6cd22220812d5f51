import type { FastifyInstance } from 'fastify';

import { ValidationFailedError } from 'src/common/app-error';

/** DESIGN.md section 5: request bodies are at most 16 KiB. */
export const MAX_BODY_BYTES = 16 * 1024;

/** Far deeper than any request of the API, and shallow enough for every recursive reader. */
export const MAX_BODY_DEPTH = 32;

function nestedDeeperThan(value: unknown, depth: number): boolean {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  return depth === 0 || Object.values(value).some((child) => nestedDeeperThan(child, depth - 1));
}

function invalidBody(message: string): ValidationFailedError {
  return new ValidationFailedError([{ field: 'body', message }]);
}

/**
 * Bodies are JSON only: any other content type is refused with 415, so a cross-site form post can
 * never reach a handler. An empty body with a JSON content type counts as no body, which is what
 * clients that always send the header mean. A body that is not JSON, or is nested more than
 * MAX_BODY_DEPTH levels deep, is `validation_failed`.
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
      void parseJson(request, body as string, (error, parsed: unknown) => {
        if (error) {
          done(invalidBody('The request body is not valid JSON.'), undefined);
        } else if (nestedDeeperThan(parsed, MAX_BODY_DEPTH)) {
          done(invalidBody(`The request body is nested more than ${MAX_BODY_DEPTH} levels deep.`));
        } else {
          done(null, parsed);
        }
      });
    },
  );
}
