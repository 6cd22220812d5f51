import { Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

import type { IssuedTokens } from 'src/auth/auth.service';
import type { TokenResponseDto } from 'src/auth/dto/token-response.dto';
import {
  REFRESH_COOKIE,
  REFRESH_COOKIE_PATH,
  type RefreshTokenTransport,
} from 'src/auth/refresh-token-source';
import { InjectConfig } from 'src/config/config.module';
import type { AppConfig } from 'src/config/env.schema';
import { UserDto } from 'src/users/dto/user.dto';

/** Hands issued tokens to the client: the refresh token in an HttpOnly cookie or in the body. */
@Injectable()
export class RefreshTokenDelivery {
  private readonly cookieOptions;

  constructor(@InjectConfig() config: AppConfig) {
    this.cookieOptions = {
      httpOnly: true,
      secure: config.cookieSecure,
      sameSite: 'strict',
      path: REFRESH_COOKIE_PATH,
    } as const;
  }

  deliver(
    reply: FastifyReply,
    issued: IssuedTokens,
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
    } else {
      // The cookie never outlives the refresh token, which never outlives the session.
      void reply.setCookie(REFRESH_COOKIE, issued.refreshToken, {
        ...this.cookieOptions,
        maxAge: issued.refreshExpiresIn,
      });
    }
    if (issued.user) {
      response.user = UserDto.from(issued.user);
    }
    return response;
  }

  clear(reply: FastifyReply): void {
    void reply.clearCookie(REFRESH_COOKIE, this.cookieOptions);
  }
}
