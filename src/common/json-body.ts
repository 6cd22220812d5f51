import type { FastifyInstance } from 'fastify';

import { ValidationFailedError } from 'src/common/app-error';

/** Request bodies are at most 16 KiB. */
export const MAX_BODY_BYTES = 16 * 1024;

/** The `validation_failed` message of a body that does not parse. */
export const BODY_NOT_JSON = 'The request body is not valid JSON.';

/** Far deeper than any request of the API, and shallow enough for every recursive reader. */
export const MAX_BODY_DEPTH = 32;

/**
 * Far more properties and array items than any request of the API has. A body of thousands of
 * unknown keys would otherwise cost the validator milliseconds and its answer kilobytes.
 */
export const MAX_BODY_VALUES = 64;

/**
 * What is wrong with a parsed body, if anything: nesting deeper than MAX_BODY_DEPTH, more than
 * MAX_BODY_VALUES values, or text that is not well-formed Unicode (a lone surrogate, which JSON's
 * \u escapes can express but UTF-8, and so PostgreSQL, cannot).
 */
function defectOf(body: unknown): string | undefined {
  let valuesLeft = MAX_BODY_VALUES;
  const visit = (value: unknown, depthLeft: number): string | undefined => {
    if (typeof value === 'string') {
      return value.isWellFormed()
        ? undefined
        : 'The request body holds text that is not well-formed Unicode.';
    }
    if (typeof value !== 'object' || value === null) {
      return undefined;
    }
    if (depthLeft === 0) {
      return `The request body is nested more than ${MAX_BODY_DEPTH} levels deep.`;
    }
    for (const child of Object.values(value)) {
      valuesLeft -= 1;
      const defect =
        valuesLeft < 0
          ? `The request body holds more than ${MAX_BODY_VALUES} values.`
          : visit(child, depthLeft - 1);
      if (defect) {
        return defect;
      }
    }
    return undefined;
  };
  return visit(body, MAX_BODY_DEPTH);
}

function invalidBody(message: string): ValidationFailedError {
  return new ValidationFailedError([{ field: 'body', message }]);
}

/**
 * Bodies are JSON only: any other content type is refused with 415, so a cross-site form post can
 * never reach a handler. An empty body with a JSON content type counts as no body, which is what
 * clients that always send the header mean. A body that is not JSON, or that `defectOf` finds
 * fault with, is `validation_failed`.
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
        const defect = error ? BODY_NOT_JSON : defectOf(parsed);
        if (defect) {
          done(invalidBody(defect), undefined);
        } else {
          done(null, parsed);
        }
      });
    },
  );
}
