import { createHash, randomUUID } from 'node:crypto';

import { Injectable } from '@nestjs/common';
import { isUUID } from 'class-validator';

import type { ClientInfo } from 'src/common/client-info.decorator';
import { Clock } from 'src/common/clock';
import { InjectConfig } from 'src/config/config.module';
import type { AppConfig } from 'src/config/env.schema';
import { RevocationCache } from 'src/sessions/revocation-cache';
import type { RevokeReason, SessionEntity } from 'src/sessions/session.entity';
import { SessionsRepository } from 'src/sessions/sessions.repository';

/** The validity of the session's current refresh token, as seen at `now`. */
export interface RefreshWindow {
  issuedAt: Date;
  expiresAt: Date;
  now: Date;
}

export interface StartedSession extends RefreshWindow {
  id: string;
}

export type RotationOutcome =
  | ({ status: 'rotated'; roles: string[] } & RefreshWindow)
  | { status: 'reused' | 'revoked' | 'expired' };

export type SessionStatus = 'active' | 'revoked' | 'expired';

function digest(jti: string): Buffer {
  return createHash('sha256').update(jti).digest();
}

function earliest(a: Date, b: Date): Date {
  return a < b ? a : b;
}

@Injectable()
export class SessionsService {
  private readonly tokens: AppConfig['tokens'];

  constructor(
    private readonly sessions: SessionsRepository,
    private readonly revocations: RevocationCache,
    private readonly clock: Clock,
    @InjectConfig() config: AppConfig,
  ) {
    this.tokens = config.tokens;
  }

  /**
   * Opens a session for the user whose password, at `passwordVersion`, was just verified. Returns
   * undefined, opening nothing, if the password has been changed since: a password change revokes
   * the sessions it finds, and must not miss one that a login with the old password was opening.
   */
  async start(
    user: { id: string; passwordVersion: number },
    jti: string,
    client: ClientInfo,
  ): Promise<StartedSession | undefined> {
    const now = this.clock.now();
    const expiresAt = this.after(now, this.tokens.sessionMaxAge);
    const session = {
      id: randomUUID(),
      userId: user.id,
      refreshJtiHash: digest(jti),
      createdAt: now,
      lastUsedAt: now,
      idleExpiresAt: earliest(this.after(now, this.tokens.refreshTokenTtl), expiresAt),
      expiresAt,
      userAgent: client.userAgent,
      ip: client.ip,
    };
    if (!(await this.sessions.insert(session, user.passwordVersion))) {
      return undefined;
    }
    return { id: session.id, issuedAt: now, expiresAt: session.idleExpiresAt, now };
  }

  /**
   * Rotation as DESIGN.md section 4 has it. `successorJti` is derived from the presented one, so
   * a replay inside the grace window is answered with the very same successor.
   */
  async rotate(
    sessionId: string,
    userId: string,
    presentedJti: string,
    successorJti: string,
  ): Promise<RotationOutcome> {
    const now = this.clock.now();
    const row = await this.sessions.rotate({
      sessionId,
      userId,
      presentedHash: digest(presentedJti),
      successorHash: digest(successorJti),
      now,
      idleExpiresAt: this.after(now, this.tokens.refreshTokenTtl),
      graceCutoff: this.after(now, -this.tokens.refreshReuseGrace),
    });
    if (!row) {
      const status = await this.status(sessionId, userId);
      return { status: status === 'active' ? 'revoked' : status };
    }
    if (row.revoked_at) {
      this.revocations.add([sessionId], row.revoked_at);
      return { status: 'reused' };
    }
    return {
      status: 'rotated',
      roles: row.roles,
      issuedAt: row.rotated_at,
      expiresAt: row.idle_expires_at,
      now,
    };
  }

  async status(sessionId: string, userId: string): Promise<SessionStatus> {
    const state = await this.sessions.findState(sessionId);
    if (!state || state.userId !== userId || state.revokedAt) {
      return 'revoked';
    }
    const now = this.clock.now();
    return state.idleExpiresAt <= now || state.expiresAt <= now ? 'expired' : 'active';
  }

  /** Returns whether this call ended the session (false if it had already ended). */
  async revoke(sessionId: string, reason: RevokeReason): Promise<boolean> {
    const now = this.clock.now();
    const revoked = await this.sessions.revoke(sessionId, reason, now);
    this.revocations.add([sessionId], now);
    return revoked;
  }

  /** Ends one active session of the user; false if the user has no such session. */
  async revokeOwn(userId: string, sessionId: string, reason: RevokeReason): Promise<boolean> {
    if (!isUUID(sessionId)) {
      return false;
    }
    const now = this.clock.now();
    const revoked = await this.sessions.revokeActiveOfUser(sessionId, userId, reason, now);
    if (revoked) {
      this.revocations.add([sessionId], now);
    }
    return revoked;
  }

  /** Ends every session of the user, or every one but `except`, and returns their ids. */
  async revokeAllForUser(
    userId: string,
    reason: RevokeReason,
    { except }: { except?: string } = {},
  ): Promise<string[]> {
    const now = this.clock.now();
    const revoked = await this.sessions.revokeAllForUser(userId, reason, now, except ?? null);
    this.revocations.add(revoked, now);
    return revoked;
  }

  /** The sessions that can still be refreshed, newest first. */
  listActive(userId: string): Promise<SessionEntity[]> {
    return this.sessions.findActiveByUser(userId, this.clock.now());
  }

  /**
   * On the path of every authenticated request: answered from memory, and from the database only
   * while revocations from other instances may be missed (Redis unreachable).
   */
  isRevoked(sessionId: string): Promise<boolean> {
    return this.revocations.isRevoked(sessionId);
  }

  private after(from: Date, seconds: number): Date {
    return new Date(from.getTime() + seconds * 1000);
  }
}
