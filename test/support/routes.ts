import { RequestMethod, type INestApplicationContext } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';

import { IS_PUBLIC } from 'src/auth/decorators/public.decorator';

export interface Route {
  /** Lower case, as OpenAPI documents name operations: `get`, `post`, … */
  method: string;
  /** As OpenAPI writes it: `/sessions/{id}`. */
  path: string;
  isPublic: boolean;
}

/** `@ApiExcludeController()`'s metadata key (@nestjs/swagger does not export its constants). */
const API_EXCLUDE_CONTROLLER = 'swagger/apiExcludeController';

function join(...parts: (string | undefined)[]): string {
  const path = parts
    .flatMap((part) => (part ?? '').split('/'))
    .filter(Boolean)
    .map((segment) => (segment.startsWith(':') ? `{${segment.slice(1)}}` : segment))
    .join('/');
  return `/${path}`;
}

/**
 * Every route of every API controller of the application, read from Nest's own metadata; the
 * controllers kept out of OpenAPI on purpose (the account pages: HTML, not API) are left out.
 */
export function routesOf(app: INestApplicationContext): Route[] {
  const reflector = app.get(Reflector);
  const scanner = app.get(MetadataScanner);
  return app
    .get(DiscoveryService)
    .getControllers()
    .flatMap(({ metatype, instance }) => {
      if (!metatype || !instance || reflector.get(API_EXCLUDE_CONTROLLER, metatype)) {
        return [];
      }
      const prefix = reflector.get<string>(PATH_METADATA, metatype);
      return scanner
        .getAllMethodNames(Object.getPrototypeOf(instance) as object)
        .map((name) => (instance as Record<string, unknown>)[name] as () => unknown)
        .filter((handler) => reflector.get<RequestMethod>(METHOD_METADATA, handler) !== undefined)
        .map((handler) => ({
          method:
            RequestMethod[reflector.get<RequestMethod>(METHOD_METADATA, handler)].toLowerCase(),
          path: join(prefix, reflector.get<string>(PATH_METADATA, handler)),
          isPublic: reflector.getAllAndOverride<boolean>(IS_PUBLIC, [handler, metatype]) ?? false,
        }));
    });
}
