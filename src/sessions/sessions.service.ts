import { createHash, randomUUID } from 'node:crypto';

import { Injectable } from '@nestjs/common';
import { isUUID } from 'class-validator';

import { AuditService } from 'src/audit/audit.service';
import type { AuthEventType } from 'src/audit/auth-event.entity';
import type { ClientInfo } from 'src/common/client-info.decorator';
import { Clock } from 'src/common/clock';
import type { AssuranceLevel, AuthenticationMethod } from 'src/common/current-user.decorator';
import { InjectConfig } from 'src/config/config.module';
import type { AppConfig } from 'src/config/env.schema';
import { RevocationCache } from 'src/sessions/revocation-cache';
import type { RevokeReason, SessionEntity } from 'src/sessions/session.entity';
import { SessionsRepository, type RotatedSession } from 'src/sessions/sessions.repository';

/** The validity of the session's current refresh token, as seen at `now`. */
export interface RefreshWindow {
  issuedAt: Date;
  expiresAt: Date;
  now: Date;
}

/** What a new session records of how it was opened. */
export interface SessionOpening {
  /** The user, and the password version that was current when the user was read. */
  user: { id: string; passwordVersion: number };
  /** The jti of the session's first refresh token. */
  jti: string;
  client: ClientInfo;
  acr: AssuranceLevel;
  amr: AuthenticationMethod[];
  authTime: Date;
}

export interface StartedSession extends RefreshWindow {
  id: string;
}

export type RotationOutcome =
  | ({ status: 'rotated' } & Omit<RotatedSession, 'rotatedAt' | 'idleExpiresAt' | 'revokedAt'> &
      RefreshWindow)
  | { status: 'reused' | 'revoked' | 'expired' };

export type SessionStatus = 'active' | 'revoked' | 'expired';

/** The reasons whose revocations end more than one session at a time. */
export type BulkRevokeReason = Extract<
  RevokeReason,
  | 'logout_all'
  | 'password_changed'
  | 'password_reset'
  | 'admin'
  | 'account_disabled'
  | 'account_deleted'
>;

/**
 * The security event each kind of revocation records: one per ended session, or one for the
 * request that ended them. A password change or reset, disabling and deleting an account record
 * their own event instead.
 */
const REVOCATION_EVENTS: Record<
  RevokeReason,
  { type: AuthEventType; per: 'session' | 'request' } | undefined
> = {
  logout: { type: 'logout', per: 'session' },
  session_deleted: { type: 'session_revoked', per: 'session' },
  admin: { type: 'session_revoked', per: 'session' },
  reuse_detected: { type: 'refresh_reuse_detected', per: 'session' },
  logout_all: { type: 'logout_all', per: 'request' },
  password_changed: undefined,
  password_reset: undefined,
  account_disabled: undefined,
  account_deleted: undefined,
};

function digest(jti: string): Buffer {
  return createHash('sha256').update(jti).digest();
}

function earliest(a: Date, b: Date): Date {
  return a < b ? a : b;
}

/**
 * Sessions: opened by the session issuer, rotated by refreshes, ended by revocations. Every way a
 * session ends goes through here, which tells the revocation cache (and so every instance) and
 * records the security event, so that no caller has to remember either.
 */
@Injectable()
export class SessionsService {
  private readonly tokens: AppConfig['tokens'];

  constructor(
    private readonly sessions: SessionsRepository,
    private readonly revocations: RevocationCache,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    @InjectConfig() config: AppConfig,
  ) {
    this.tokens = config.tokens;
  }

  /**
   * Opens a session for the user whose password, at `passwordVersion`, was current when the sign-in
   * read the user. Returns undefined, opening nothing, if the password has been changed since: a
   * password change revokes the sessions it finds, and must not miss one being opened meanwhile.
   */
  async start(opening: SessionOpening): Promise<StartedSession | undefined> {
    const now = this.clock.now();
    const expiresAt = this.after(now, this.tokens.sessionMaxAge);
    const session = {
      id: randomUUID(),
      userId: opening.user.id,
      refreshJtiHash: digest(opening.jti),
      createdAt: now,
      lastUsedAt: now,
      idleExpiresAt: earliest(this.after(now, this.tokens.refreshTokenTtl), expiresAt),
      expiresAt,
      userAgent: opening.client.userAgent,
      ip: opening.client.ip,
      acr: opening.acr,
      amr: opening.amr,
      authTime: opening.authTime,
    };
    if (!(await this.sessions.insert(session, opening.user.passwordVersion))) {
      return undefined;
    }
    return { id: session.id, issuedAt: now, expiresAt: session.idleExpiresAt, now };
  }

  /**
   * Rotation: the current token rotates to `successorJti`, its predecessor inside the grace window
   * gets that same successor, and any older token of the session revokes it (reuse detected).
   * `successorJti` is derived from the presented one, so a replay inside the grace window is
   * answered with the very same successor.
   */
  async rotate(
    { sessionId, userId }: { sessionId: string; userId: string },
    presentedJti: string,
    successorJti: string,
    client: ClientInfo,
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
    if (row.revokedAt) {
      await this.ended(userId, [sessionId], 'reuse_detected', row.revokedAt, { client });
      return { status: 'reused' };
    }
    const { rotatedAt, idleExpiresAt, revokedAt: _, ...session } = row;
    return { status: 'rotated', ...session, issuedAt: rotatedAt, expiresAt: idleExpiresAt, now };
  }

  async status(sessionId: string, userId: string): Promise<SessionStatus> {
    const state = await this.sessions.findState(sessionId);
    if (!state || state.userId !== userId || state.revokedAt) {
      return 'revoked';
    }
    const now = this.clock.now();
    return state.idleExpiresAt <= now || state.expiresAt <= now ? 'expired' : 'active';
  }

  /** Logout: ends the session, whichever of its tokens was presented. Idempotent. */
  async logout(sessionId: string, userId: string, client: ClientInfo): Promise<void> {
    const now = this.clock.now();
    const ended = await this.sessions.revoke(sessionId, 'logout', now);
    // Told to the cache even when it had ended already: the caller may hold its access token.
    this.revocations.add([sessionId], now);
    if (ended) {
      await this.record('logout', { userId, sessionId, client });
    }
  }

  /** Ends one active session of the user; false if the user has no such session. */
  async revokeOwn(userId: string, sessionId: string, client: ClientInfo): Promise<boolean> {
    if (!isUUID(sessionId)) {
      return false;
    }
    const now = this.clock.now();
    if (!(await this.sessions.revokeActiveOfUser(sessionId, userId, 'session_deleted', now))) {
      return false;
    }
    await this.ended(userId, [sessionId], 'session_deleted', now, { client });
    return true;
  }

  /**
   * Ends every session of the user, or every one but `except` (the caller's, for a password
   * change), and returns their ids. `sessionId` is the session making the request, for the audit.
   */
  async revokeAllOfUser(
    userId: string,
    reason: BulkRevokeReason,
    { client, except, sessionId }: { client: ClientInfo; except?: string; sessionId?: string },
  ): Promise<string[]> {
    const now = this.clock.now();
    const revoked = await this.sessions.revokeAllOfUser(userId, reason, now, except ?? null);
    await this.ended(userId, revoked, reason, now, { client, sessionId });
    return revoked;
  }

  /** The sessions that can still be refreshed, newest first. */
  listActive(userId: string): Promise<SessionEntity[]> {
    return this.sessions.findActiveOfUser(userId, this.clock.now());
  }

  /** How many sessions of the user can still be refreshed (those `listActive` lists). */
  async countActive(userId: string): Promise<number> {
    return (await this.countActiveOfUsers([userId])).get(userId) ?? 0;
  }

  /** `countActive` for several users in one query: a count for each id, 0 included. */
  async countActiveOfUsers(userIds: string[]): Promise<Map<string, number>> {
    const counts = userIds.length
      ? await this.sessions.countActiveOfUsers(userIds, this.clock.now())
      : new Map<string, number>();
    return new Map(userIds.map((id) => [id, counts.get(id) ?? 0]));
  }

  /** On the path of every authenticated request: answered from memory. */
  isRevoked(sessionId: string): boolean {
    return this.revocations.isRevoked(sessionId);
  }

  private async ended(
    userId: string,
    sessionIds: string[],
    reason: RevokeReason,
    at: Date,
    { client, sessionId }: { client: ClientInfo; sessionId?: string },
  ): Promise<void> {
    this.revocations.add(sessionIds, at);
    const event = REVOCATION_EVENTS[reason];
    if (event?.per === 'request') {
      await this.record(event.type, { userId, sessionId, client });
    } else if (event) {
      for (const id of sessionIds) {
        await this.record(event.type, { userId, sessionId: id, client });
      }
    }
  }

  private record(
    type: AuthEventType,
    { userId, sessionId, client }: { userId: string; sessionId?: string; client: ClientInfo },
  ): Promise<void> {
    return this.audit.record(type, { userId, sessionId, ...client });
  }

  private after(from: Date, seconds: number): Date {
    return new Date(from.getTime() + seconds * 1000);
  }
}
