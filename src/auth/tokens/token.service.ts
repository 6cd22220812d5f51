import { createHmac, randomBytes, randomUUID } from 'node:crypto';

import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { verify, type JwtPayload } from 'jsonwebtoken';

import { asJwtKey, KeyMaterial } from 'src/auth/tokens/key-material';
import type { AuthenticatedUser } from 'src/common/current-user.decorator';
import { InjectConfig } from 'src/config/config.module';
import type { AppConfig } from 'src/config/env.schema';
import type { RefreshWindow } from 'src/sessions/sessions.service';

export const ACCESS_TOKEN_TYPE = 'at+jwt';
export const REFRESH_TOKEN_TYPE = 'rt+jwt';
export const DEVICE_TOKEN_TYPE = 'device+jwt';

/** A device token is good for a year; each sign-in on the device hands out a new one. */
export const DEVICE_TOKEN_TTL_SECONDS = 365 * 86_400;

/** RFC 9068 allows the media type with or without its `application/` prefix. */
export function hasTokenType(header: { typ?: string }, type: string): boolean {
  const typ = header.typ?.toLowerCase();
  return typ === type || typ === `application/${type}`;
}

/** What an access token says: its claims, as the access guard reads them back. */
export type AccessTokenSubject = Omit<AuthenticatedUser, 'clientId'>;

export interface RefreshTokenSubject {
  userId: string;
  sessionId: string;
  jti: string;
  issuedAt: Date;
  expiresAt: Date;
}

/** An access token and the refresh token of a session, as a token response carries them. */
export interface SessionTokens {
  accessToken: string;
  /** Seconds. */
  expiresIn: number;
  refreshToken: string;
  /** Seconds. */
  refreshExpiresIn: number;
}

/** A verified device token: the account it was issued to, and its own id. */
export interface DeviceToken {
  userId: string;
  deviceId: string;
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

  /** The tokens of a session whose current refresh token has `jti` and lives in `window`. */
  sessionTokens(subject: AccessTokenSubject, jti: string, window: RefreshWindow): SessionTokens {
    return {
      accessToken: this.signAccessToken(subject),
      expiresIn: this.tokens.accessTokenTtl,
      refreshToken: this.signRefreshToken({ ...subject, jti, ...window }),
      refreshExpiresIn: Math.floor((window.expiresAt.getTime() - window.now.getTime()) / 1000),
    };
  }

  signAccessToken(subject: AccessTokenSubject): string {
    const key = this.keys.currentSigningKey;
    return this.jwt.sign(
      {
        client_id: this.tokens.clientId,
        sid: subject.sessionId,
        roles: subject.roles,
        email_verified: subject.emailVerified,
        auth_time: subject.authTime,
        acr: subject.acr,
        amr: subject.amr,
      },
      {
        privateKey: key.privateKey,
        algorithm: key.alg,
        header: { alg: key.alg, typ: ACCESS_TOKEN_TYPE, kid: key.kid },
        subject: subject.userId,
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

  /**
   * A device token (OWASP's "device cookie"): proof that this device signed in to this account
   * before, so that a flood of wrong passwords for the account does not hold it back. Signed with
   * its own key, derived from the refresh-token secret, and its own `typ`.
   */
  signDeviceToken(userId: string): string {
    return this.jwt.sign(
      {},
      {
        privateKey: this.keys.deviceTokenKey,
        algorithm: 'HS256',
        header: { alg: 'HS256', typ: DEVICE_TOKEN_TYPE },
        subject: userId,
        issuer: this.tokens.issuer,
        audience: this.tokens.issuer,
        expiresIn: DEVICE_TOKEN_TTL_SECONDS,
        jwtid: randomBytes(16).toString('base64url'),
      },
    );
  }

  /** The device token's account and id, or undefined for anything that is not a valid one. */
  verifyDeviceToken(token: string): DeviceToken | undefined {
    try {
      const { header, payload } = verify(token, asJwtKey(this.keys.deviceTokenKey), {
        algorithms: ['HS256'],
        issuer: this.tokens.issuer,
        audience: this.tokens.issuer,
        clockTolerance: this.tokens.clockSkew,
        complete: true,
      }) as { header: { typ?: string }; payload: JwtPayload };
      if (
        !hasTokenType(header, DEVICE_TOKEN_TYPE) ||
        typeof payload.sub !== 'string' ||
        typeof payload.jti !== 'string'
      ) {
        return undefined;
      }
      return { userId: payload.sub, deviceId: payload.jti };
    } catch {
      return undefined;
    }
  }
}
