import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { decodeProtectedHeader } from 'jose';
import type { Jwt, JwtPayload } from 'jsonwebtoken';
import { ExtractJwt, Strategy } from 'passport-jwt';

import { asJwtKey, KeyMaterial } from 'src/auth/tokens/key-material';
import { ACCESS_TOKEN_TYPE, hasTokenType } from 'src/auth/tokens/token.service';
import { InvalidAccessTokenError } from 'src/common/app-error';
import type { AuthenticatedUser } from 'src/common/current-user.decorator';
import { InjectConfig } from 'src/config/config.module';
import type { AppConfig } from 'src/config/env.schema';
import { SessionsService } from 'src/sessions/sessions.service';

interface AccessTokenClaims extends JwtPayload {
  sub: string;
  sid: string;
  roles: string[];
}

function isAccessTokenClaims(claims: JwtPayload): claims is AccessTokenClaims {
  return (
    typeof claims.sub === 'string' &&
    typeof claims.sid === 'string' &&
    Array.isArray(claims.roles) &&
    claims.roles.every((role) => typeof role === 'string')
  );
}

/**
 * Bearer access tokens: the signature by one of Warden's keys (chosen by `kid`, algorithm pinned),
 * `typ`, `iss`, `aud`, `exp` and `nbf`; then the session must not have been revoked.
 */
@Injectable()
export class JwtAccessStrategy extends PassportStrategy(Strategy, 'jwt-access') {
  constructor(
    keys: KeyMaterial,
    @InjectConfig() config: AppConfig,
    private readonly sessions: SessionsService,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
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
    });
  }

  async validate({ header, payload }: Jwt): Promise<AuthenticatedUser> {
    if (
      !hasTokenType(header, ACCESS_TOKEN_TYPE) ||
      typeof payload === 'string' ||
      !isAccessTokenClaims(payload)
    ) {
      throw new InvalidAccessTokenError();
    }
    if (await this.sessions.isRevoked(payload.sid)) {
      throw new InvalidAccessTokenError('The session of this access token has been ended.');
    }
    return { userId: payload.sub, sessionId: payload.sid, roles: payload.roles };
  }
}
