import { createHmac, randomBytes, randomUUID } from 'node:crypto';

import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';

import { KeyMaterial } from 'src/auth/tokens/key-material';
import { InjectConfig } from 'src/config/config.module';
import type { AppConfig } from 'src/config/env.schema';

export const ACCESS_TOKEN_TYPE = 'at+jwt';
export const REFRESH_TOKEN_TYPE = 'rt+jwt';

/** RFC 9068 allows the media type with or without its `application/` prefix. */
export function hasTokenType(header: { typ?: string }, type: string): boolean {
  const typ = header.typ?.toLowerCase();
  return typ === type || typ === `application/${type}`;
}

export interface AccessTokenSubject {
  userId: string;
  sessionId: string;
  roles: string[];
}

export interface RefreshTokenSubject {
  userId: string;
  sessionId: string;
  jti: string;
  issuedAt: Date;
  expiresAt: Date;
}

const seconds = (date: Date): number => Math.floor(date.getTime() / 1000);

@Injectable()
export class TokenService {
  private readonly tokens: AppConfig['tokens'];

  constructor(
    private readonly jwt: JwtService,
    private readonly keys: KeyMaterial,
    @InjectConfig() config: AppConfig,
  ) {
    this.tokens = config.tokens;
  }

  /** 256 random bits: the jti of the first refresh token of a session. */
  newRefreshTokenId(): string {
    return randomBytes(32).toString('base64url');
  }

  /**
   * The jti that follows `jti` in its session: HMAC-SHA256(rotation key, sid ‖ jti). Deriving it
   * instead of drawing it at random lets concurrent refreshes of one token agree on one successor
   * without coordinating. The session id has a fixed length, so the concatenation is unambiguous.
   */
  successorRefreshTokenId(sessionId: string, jti: string): string {
    return createHmac('sha256', this.keys.rotationKey)
      .update(sessionId)
      .update(jti)
      .digest('base64url');
  }

  signAccessToken({ userId, sessionId, roles }: AccessTokenSubject): string {
    const key = this.keys.currentSigningKey;
    return this.jwt.sign(
      { sid: sessionId, roles },
      {
        privateKey: key.privateKey,
        algorithm: key.alg,
        header: { alg: key.alg, typ: ACCESS_TOKEN_TYPE, kid: key.kid },
        subject: userId,
        issuer: this.tokens.issuer,
        audience: this.tokens.audience,
        expiresIn: this.tokens.accessTokenTtl,
        jwtid: randomUUID(),
      },
    );
  }

  /**
   * iat and exp come from the session row, so the same successor is signed into the same bytes no
   * matter how many concurrent refreshes ask for it.
   */
  signRefreshToken({ userId, sessionId, jti, issuedAt, expiresAt }: RefreshTokenSubject): string {
    return this.jwt.sign(
      { sid: sessionId, iat: seconds(issuedAt), exp: seconds(expiresAt) },
      {
        privateKey: this.keys.refreshSecret,
        algorithm: 'HS256',
        header: { alg: 'HS256', typ: REFRESH_TOKEN_TYPE },
        subject: userId,
        issuer: this.tokens.issuer,
        // Only Warden accepts refresh tokens.
        audience: this.tokens.issuer,
        jwtid: jti,
      },
    );
  }
}
