import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ExtractJwt } from 'passport-jwt';

import type { AuthenticatedUser } from 'src/common/current-user.decorator';
import { InjectConfig } from 'src/config/config.module';
import type { AppConfig } from 'src/config/env.schema';

const MAX_ENTRIES = 10_000;

/** The bearer token of a request (`Authorization: Bearer …`), or null. */
export const bearerToken = ExtractJwt.fromAuthHeaderAsBearerToken() as (
  request: FastifyRequest,
) => string | null;

/**
 * Access tokens that `AccessTokenService` has verified (signature, type, issuer, audience, claims),
 * remembered by their exact text until they expire, so that a client calling again with the same
 * token costs no second signature check. Revocation is not remembered: it is checked on every
 * request. Bounded: the oldest entries make way for new ones.
 */
@Injectable()
export class VerifiedAccessTokens {
  private readonly entries = new Map<string, { user: AuthenticatedUser; expiresAtMs: number }>();
  private readonly clockSkewMs: number;

  constructor(@InjectConfig() config: AppConfig) {
    this.clockSkewMs = config.tokens.clockSkew * 1000;
  }

  get(token: string): AuthenticatedUser | undefined {
    const entry = this.entries.get(token);
    if (entry && entry.expiresAtMs + this.clockSkewMs > Date.now()) {
      return entry.user;
    }
    if (entry) {
      this.entries.delete(token);
    }
    return undefined;
  }

  remember(token: string, user: AuthenticatedUser, expiresAtSeconds: number): void {
    if (this.entries.size >= MAX_ENTRIES) {
      this.entries.delete(this.entries.keys().next().value!);
    }
    this.entries.set(token, { user, expiresAtMs: expiresAtSeconds * 1000 });
  }
}
