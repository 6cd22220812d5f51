import { Inject, Injectable } from '@nestjs/common';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';

import { ACCESS_TOKEN_OPTIONS, type AccessTokenModuleOptions } from './access-token.options';

/** The caller, as a verified Warden access token describes it. */
export interface AccessTokenUser {
  /** `sub`: the Warden user id. */
  userId: string;
  /** `sid`: the Warden session the token belongs to. */
  sessionId: string;
  /** `roles`, e.g. `['user']` or `['user', 'admin']`. */
  roles: string[];
  /** `client_id`: `warden` (Warden's `DEFAULT_CLIENT_ID`) for tokens of Warden's own login. */
  clientId?: string;
  /** `acr`: `aal1` for one factor, `aal2` for two factors or a passkey. */
  acr?: string;
  /** `amr` (RFC 8176): how the user proved who they are, e.g. `['pwd']`. */
  amr?: string[];
  /** `auth_time`: when the session last proved who the user is. */
  authTime?: Date;
  /** Every claim of the token. */
  claims: JWTPayload;
}

export class InvalidAccessTokenError extends Error {}

/**
 * Verifies Warden access tokens against Warden's JWKS, without calling Warden per request: the
 * keys are fetched once, cached, and fetched again when a token names a `kid` not seen yet.
 * The algorithm is pinned; `typ` must be `at+jwt` (RFC 9068); `iss`, `aud`, `exp` and `nbf` are
 * checked; `jku`, `x5u` and `jwk` headers are ignored.
 */
@Injectable()
export class AccessTokenVerifier {
  private readonly keys: ReturnType<typeof createRemoteJWKSet>;

  constructor(@Inject(ACCESS_TOKEN_OPTIONS) private readonly options: AccessTokenModuleOptions) {
    this.keys = createRemoteJWKSet(new URL(options.jwksUrl), {
      cooldownDuration: options.jwksRefetchCooldownMs ?? 30_000,
    });
  }

  /** Resolves to the caller, or rejects with `InvalidAccessTokenError`. */
  async verify(token: string): Promise<AccessTokenUser> {
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(token, this.keys, {
        algorithms: this.options.algorithms ?? ['ES256'],
        typ: 'at+jwt',
        issuer: this.options.issuer,
        audience: this.options.audience,
        clockTolerance: this.options.clockToleranceSeconds ?? 30,
        requiredClaims: ['sub', 'sid', 'exp'],
      }));
    } catch (error) {
      throw new InvalidAccessTokenError((error as Error).message);
    }
    const { sub, sid, roles, client_id: clientId, acr, amr, auth_time: authTime } = claims;
    if (typeof sub !== 'string' || typeof sid !== 'string' || !isStringArray(roles)) {
      throw new InvalidAccessTokenError('the token lacks sub, sid or roles');
    }
    return {
      userId: sub,
      sessionId: sid,
      roles,
      clientId: typeof clientId === 'string' ? clientId : undefined,
      acr: typeof acr === 'string' ? acr : undefined,
      amr: isStringArray(amr) ? amr : undefined,
      authTime: typeof authTime === 'number' ? new Date(authTime * 1000) : undefined,
      claims,
    };
  }
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}
