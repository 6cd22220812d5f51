import { Injectable } from '@nestjs/common';
import { isUUID } from 'class-validator';
import { decodeProtectedHeader } from 'jose';
import { TokenExpiredError, verify, type Jwt, type JwtPayload } from 'jsonwebtoken';

import { asJwtKey, KeyMaterial } from 'src/auth/tokens/key-material';
import { ACCESS_TOKEN_TYPE, hasTokenType } from 'src/auth/tokens/token.service';
import { VerifiedAccessTokens } from 'src/auth/tokens/verified-access-tokens';
import { InvalidAccessTokenError } from 'src/common/app-error';
import type {
  AssuranceLevel,
  AuthenticatedUser,
  AuthenticationMethod,
} from 'src/common/current-user.decorator';
import { InjectConfig } from 'src/config/config.module';
import type { AppConfig } from 'src/config/env.schema';
import { SessionsService } from 'src/sessions/sessions.service';

const ASSURANCE_LEVELS: ReadonlySet<string> = new Set<AssuranceLevel>(['aal1', 'aal2']);

const isStringArray = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string');

/** The principal an access token's claims describe, or undefined if they are not Warden's. */
function principalOf(claims: JwtPayload): AuthenticatedUser | undefined {
  const { sub, sid, client_id: clientId, roles, email_verified: emailVerified } = claims;
  const { acr, amr, auth_time: authTime } = claims;
  if (
    !isUUID(sub) ||
    !isUUID(sid) ||
    typeof clientId !== 'string' ||
    !isStringArray(roles) ||
    typeof emailVerified !== 'boolean' ||
    typeof acr !== 'string' ||
    !ASSURANCE_LEVELS.has(acr) ||
    !isStringArray(amr) ||
    typeof authTime !== 'number' ||
    typeof claims.exp !== 'number'
  ) {
    return undefined;
  }
  return {
    userId: sub as string,
    sessionId: sid as string,
    clientId,
    roles,
    emailVerified,
    acr: acr as AssuranceLevel,
    amr: amr as AuthenticationMethod[],
    authTime,
  };
}

/**
 * Every check an access token passes, in one place: the signature by one of Warden's keys (chosen
 * by `kid`, algorithm pinned; `jku`, `x5u` and `jwk` headers are never read), `typ`, `iss`, `aud`,
 * `exp` and `nbf` (with CLOCK_SKEW), the claims, and that its session has not been revoked. A
 * verified token is remembered until it expires, so a client that calls again with it costs no
 * second signature check; the revocation is checked on every request.
 */
@Injectable()
export class AccessTokenService {
  private readonly tokens: AppConfig['tokens'];

  constructor(
    private readonly keys: KeyMaterial,
    private readonly verified: VerifiedAccessTokens,
    private readonly sessions: SessionsService,
    @InjectConfig() config: AppConfig,
  ) {
    this.tokens = config.tokens;
  }

  /** The principal of a bearer token, or `InvalidAccessTokenError`. */
  authenticate(token: string | undefined): AuthenticatedUser {
    if (!token) {
      throw new InvalidAccessTokenError();
    }
    const principal = this.verified.get(token) ?? this.verify(token);
    if (this.sessions.isRevoked(principal.sessionId)) {
      throw new InvalidAccessTokenError('The session of this access token has been ended.');
    }
    return principal;
  }

  private verify(token: string): AuthenticatedUser {
    let decoded: Jwt;
    try {
      const key = this.keys.verificationKey(decodeProtectedHeader(token).kid);
      if (!key) {
        throw new InvalidAccessTokenError();
      }
      decoded = verify(token, asJwtKey(key.publicKey), {
        algorithms: [key.alg],
        issuer: this.tokens.issuer,
        audience: this.tokens.audience,
        clockTolerance: this.tokens.clockSkew,
        complete: true,
      });
    } catch (error) {
      throw new InvalidAccessTokenError(
        error instanceof TokenExpiredError ? 'The access token has expired.' : undefined,
      );
    }
    const principal =
      hasTokenType(decoded.header, ACCESS_TOKEN_TYPE) && typeof decoded.payload === 'object'
        ? principalOf(decoded.payload)
        : undefined;
    if (!principal) {
      throw new InvalidAccessTokenError();
    }
    this.verified.remember(token, principal, (decoded.payload as JwtPayload).exp!);
    return principal;
  }
}
