import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { InvalidRefreshTokenError } from 'src/auth/auth.errors';
import type { IssuedSession } from 'src/auth/session-issuer';
import type { TokenResponseDto } from 'src/auth/dto/token-response.dto';
import { DEVICE_TOKEN_TTL_SECONDS, type SessionTokens } from 'src/auth/tokens/token.service';
import { InjectConfig } from 'src/config/config.module';
import type { AppConfig } from 'src/config/env.schema';
import { UserDto } from 'src/users/dto/user.dto';

export const REFRESH_COOKIE = 'refresh_token';
export const DEVICE_COOKIE = 'device';
/** Both cookies go only to /auth (refresh, logout, login), never to the resource routes. */
export const AUTH_COOKIE_PATH = '/auth';

export type RefreshTokenTransport = 'cookie' | 'body';

export interface PresentedRefreshToken {
  token: string;
  transport: RefreshTokenTransport;
}

/**
 * How many cookies of this name the request carries. Cookie parsers keep the first of a name; a
 * sibling subdomain can plant a second one, and which one a browser sends first is up to it.
 */
function cookieCount(request: FastifyRequest, name: string): number {
  const header = request.headers.cookie;
  if (!header) {
    return 0;
  }
  return header.split(';').filter((pair) => pair.split('=', 1)[0].trim() === name).length;
}

/**
 * The refresh token of a request: `refreshToken` in the JSON body, else the cookie. A request with
 * two refresh cookies is refused: Warden never guesses which one is the session's.
 */
export function presentedRefreshToken(request: FastifyRequest): PresentedRefreshToken | undefined {
  if (cookieCount(request, REFRESH_COOKIE) > 1) {
    throw new InvalidRefreshTokenError('The request carries more than one refresh_token cookie.');
  }
  const fromBody = (request.body as { refreshToken?: unknown } | undefined)?.refreshToken;
  if (typeof fromBody === 'string' && fromBody !== '') {
    return { token: fromBody, transport: 'body' };
  }
  const fromCookie = request.cookies?.[REFRESH_COOKIE];
  return fromCookie ? { token: fromCookie, transport: 'cookie' } : undefined;
}

/** The device token of a login: `deviceToken` in the body, else the one `device` cookie. */
export function presentedDeviceToken(
  request: FastifyRequest,
  fromBody: string | undefined,
): string | undefined {
  if (fromBody) {
    return fromBody;
  }
  return cookieCount(request, DEVICE_COOKIE) === 1 ? request.cookies?.[DEVICE_COOKIE] : undefined;
}

/**
 * Hands issued tokens to the client. In the cookie transport the refresh token and the device token
 * are HttpOnly cookies and are left out of the body; in the body transport both are in the body and
 * no cookie is set.
 */
@Injectable()
export class TokenTransport {
  private readonly cookieOptions;

  constructor(@InjectConfig() config: AppConfig) {
    this.cookieOptions = {
      httpOnly: true,
      secure: config.cookieSecure,
      sameSite: 'strict',
      path: AUTH_COOKIE_PATH,
    } as const;
  }

  deliver(
    reply: FastifyReply,
    issued: SessionTokens & Partial<Pick<IssuedSession, 'user' | 'deviceToken'>>,
    transport: RefreshTokenTransport = 'cookie',
  ): TokenResponseDto {
    const response: TokenResponseDto = {
      accessToken: issued.accessToken,
      tokenType: 'Bearer',
      expiresIn: issued.expiresIn,
      refreshExpiresIn: issued.refreshExpiresIn,
    };
    if (transport === 'body') {
      response.refreshToken = issued.refreshToken;
      response.deviceToken = issued.deviceToken;
    } else {
      // The cookie never outlives the refresh token, which never outlives the session.
      void reply.setCookie(REFRESH_COOKIE, issued.refreshToken, {
        ...this.cookieOptions,
        maxAge: issued.refreshExpiresIn,
      });
      if (issued.deviceToken) {
        void reply.setCookie(DEVICE_COOKIE, issued.deviceToken, {
          ...this.cookieOptions,
          maxAge: DEVICE_TOKEN_TTL_SECONDS,
        });
      }
    }
    if (issued.user) {
      response.user = UserDto.from(issued.user);
    }
    return response;
  }

  /** Clears the refresh cookie; the device token stays: the device did sign in before. */
  clear(reply: FastifyReply): void {
    void reply.clearCookie(REFRESH_COOKIE, this.cookieOptions);
  }
}
