import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { isUUID } from 'class-validator';
import type { FastifyRequest } from 'fastify';
import type { Jwt, JwtPayload } from 'jsonwebtoken';
import { Strategy } from 'passport-jwt';

import { InvalidRefreshTokenError } from 'src/auth/auth.errors';
import { presentedRefreshToken, type RefreshTokenTransport } from 'src/auth/token-transport';
import { asJwtKey, KeyMaterial } from 'src/auth/tokens/key-material';
import { hasTokenType, REFRESH_TOKEN_TYPE } from 'src/auth/tokens/token.service';
import { InjectConfig } from 'src/config/config.module';
import type { AppConfig } from 'src/config/env.schema';

/** A verified refresh token. Its expiry is judged by the auth service, against the session. */
export interface RefreshTokenClaims {
  userId: string;
  sessionId: string;
  jti: string;
  /** Seconds since the epoch. */
  expiresAt: number;
  transport: RefreshTokenTransport;
}

interface RawRefreshClaims extends JwtPayload {
  sub: string;
  sid: string;
  jti: string;
  exp: number;
}

function isRefreshClaims(claims: JwtPayload): claims is RawRefreshClaims {
  return (
    isUUID(claims.sub) &&
    isUUID(claims.sid) &&
    typeof claims.jti === 'string' &&
    typeof claims.exp === 'number'
  );
}

/**
 * Refresh tokens, from the body or the cookie: HS256 only, `typ`, `iss` and `aud` checked.
 * `exp` is left to the auth service, which can then say whether the session itself has expired.
 */
@Injectable()
export class JwtRefreshStrategy extends PassportStrategy(Strategy, 'jwt-refresh') {
  constructor(keys: KeyMaterial, @InjectConfig() config: AppConfig) {
    super({
      jwtFromRequest: (request: FastifyRequest) => presentedRefreshToken(request)?.token ?? null,
      secretOrKey: asJwtKey(keys.refreshSecret),
      algorithms: ['HS256'],
      issuer: config.tokens.issuer,
      audience: config.tokens.issuer,
      ignoreExpiration: true,
      jsonWebTokenOptions: { complete: true, clockTolerance: config.tokens.clockSkew },
      passReqToCallback: true,
    });
  }

  validate(request: FastifyRequest, { header, payload }: Jwt): RefreshTokenClaims {
    const presented = presentedRefreshToken(request);
    if (
      !presented ||
      !hasTokenType(header, REFRESH_TOKEN_TYPE) ||
      typeof payload === 'string' ||
      !isRefreshClaims(payload)
    ) {
      throw new InvalidRefreshTokenError();
    }
    return {
      userId: payload.sub,
      sessionId: payload.sid,
      jti: payload.jti,
      expiresAt: payload.exp,
      transport: presented.transport,
    };
  }
}
