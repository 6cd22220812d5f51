import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { isUUID } from 'class-validator';
import type { FastifyRequest } from 'fastify';
import { decodeProtectedHeader } from 'jose';
import type { Jwt, JwtPayload } from 'jsonwebtoken';
import { Strategy } from 'passport-jwt';

import { asJwtKey, KeyMaterial } from 'src/auth/tokens/key-material';
import { ACCESS_TOKEN_TYPE, hasTokenType } from 'src/auth/tokens/token.service';
import { bearerToken, VerifiedAccessTokens } from 'src/auth/tokens/verified-access-tokens';
import { InvalidAccessTokenError } from 'src/common/app-error';
import type { AuthenticatedUser } from 'src/common/current-user.decorator';
import { InjectConfig } from 'src/config/config.module';
import type { AppConfig } from 'src/config/env.schema';

interface AccessTokenClaims extends JwtPayload {
  sub: string;
  sid: string;
  roles: string[];
}

function isAccessTokenClaims(claims: JwtPayload): claims is AccessTokenClaims {
  return (
    isUUID(claims.sub) &&
    isUUID(claims.sid) &&
    Array.isArray(claims.roles) &&
    claims.roles.every((role) => typeof role === 'string')
  );
}

/**
 * Bearer access tokens: the signature by one of Warden's keys (chosen by `kid`, algorithm pinned),
 * `typ`, `iss`, `aud`, `exp` and `nbf`. A verified token is remembered until it expires; whether
 * its session was revoked is `JwtAccessGuard`'s to check, on every request.
 */
@Injectable()
export class JwtAccessStrategy extends PassportStrategy(Strategy, 'jwt-access') {
  constructor(
    keys: KeyMaterial,
    @InjectConfig() config: AppConfig,
    private readonly verified: VerifiedAccessTokens,
  ) {
    super({
      jwtFromRequest: bearerToken,
      secretOrKeyProvider: (_request, rawToken: string, done) => {
        try {
          const key = keys.verificationKey(decodeProtectedHeader(rawToken).kid);
          done(key ? null : new InvalidAccessTokenError(), key && asJwtKey(key.publicKey));
        } catch {
          done(new InvalidAccessTokenError());
        }
      },
      algorithms: keys.algorithms,
      issuer: config.tokens.issuer,
      audience: config.tokens.audience,
      jsonWebTokenOptions: { complete: true, clockTolerance: config.tokens.clockSkew },
      passReqToCallback: true,
    });
  }

  validate(request: FastifyRequest, { header, payload }: Jwt): AuthenticatedUser {
    if (
      !hasTokenType(header, ACCESS_TOKEN_TYPE) ||
      typeof payload === 'string' ||
      !isAccessTokenClaims(payload) ||
      typeof payload.exp !== 'number'
    ) {
      throw new InvalidAccessTokenError();
    }
    const user = { userId: payload.sub, sessionId: payload.sid, roles: payload.roles };
    this.verified.remember(bearerToken(request)!, user, payload.exp);
    return user;
  }
}
