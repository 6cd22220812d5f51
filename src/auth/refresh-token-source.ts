import type { FastifyRequest } from 'fastify';

export const REFRESH_COOKIE = 'refresh_token';
/** The cookie goes only to /auth/refresh and /auth/logout, never to the resource routes. */
export const REFRESH_COOKIE_PATH = '/auth';

export type RefreshTokenTransport = 'cookie' | 'body';

export interface PresentedRefreshToken {
  token: string;
  transport: RefreshTokenTransport;
}

/** The refresh token of a request: `refreshToken` in the JSON body, else the cookie. */
export function presentedRefreshToken(request: FastifyRequest): PresentedRefreshToken | undefined {
  const fromBody = (request.body as { refreshToken?: unknown } | undefined)?.refreshToken;
  if (typeof fromBody === 'string' && fromBody !== '') {
    return { token: fromBody, transport: 'body' };
  }
  const fromCookie = request.cookies?.[REFRESH_COOKIE];
  if (fromCookie) {
    return { token: fromCookie, transport: 'cookie' };
  }
  return undefined;
}
