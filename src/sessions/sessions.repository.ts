import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';

import type { AssuranceLevel, AuthenticationMethod } from 'src/common/current-user.decorator';
import { Sql, type Statement } from 'src/database/sql';
import { SessionEntity, type RevokeReason } from 'src/sessions/session.entity';

export type NewSession = Omit<
  SessionEntity,
  'previousJtiHash' | 'rotatedAt' | 'revokedAt' | 'revokeReason'
>;

export interface RotationRequest {
  sessionId: string;
  userId: string;
  presentedHash: Buffer;
  successorHash: Buffer;
  now: Date;
  /** now + REFRESH_TOKEN_TTL; the idle expiry is capped by the session's absolute expiry. */
  idleExpiresAt: Date;
  /** now - REFRESH_REUSE_GRACE: the predecessor is honoured if rotated after this. */
  graceCutoff: Date;
}

/** The session as a rotation left it, with what the next access token says about its user. */
export interface RotatedSession {
  rotatedAt: Date;
  idleExpiresAt: Date;
  revokedAt: Date | null;
  acr: AssuranceLevel;
  amr: AuthenticationMethod[];
  authTime: Date;
  roles: string[];
  emailVerified: boolean;
}

export interface SessionState {
  userId: string;
  revokedAt: Date | null;
  idleExpiresAt: Date;
  expiresAt: Date;
}

/**
 * A session is inserted only while the user's password is still at the version that was verified.
 * The share lock on the user's row orders it with a password change: either the change waits for
 * this insert, and then revokes the new session with the others, or this insert waits for the
 * change, and then sees the new version and inserts nothing.
 */
const INSERT: Statement = {
  name: 'sessions_insert',
  text: `INSERT INTO sessions
           (id, user_id, refresh_jti_hash, created_at, last_used_at, idle_expires_at, expires_at,
            user_agent, ip, acr, amr, auth_time)
         SELECT $1, u.id, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12
         FROM users u WHERE u.id = $2 AND u.password_version = $13 AND u.disabled_at IS NULL
         FOR SHARE
         RETURNING id`,
};

/**
 * One statement decides and applies the outcome under the row lock, so concurrent refreshes of a
 * token serialise on the row and each sees the state the previous one left:
 * - the current token rotates to the successor (`refresh_jti_hash = successor`);
 * - the immediate predecessor inside the grace window changes nothing but `last_used_at`;
 * - any other token of the session revokes it (`revoked_at` is set).
 * A session that is revoked or expired, or whose account is disabled, is left alone and matches no
 * row.
 * It also returns what the new access token says of the user (roles, verified email), so that a
 * refresh is one round trip; the users row is only read, the session row is the only one locked.
 */
const ROTATE: Statement = {
  name: 'sessions_rotate',
  text: `
  UPDATE sessions s SET
    previous_jti_hash = CASE WHEN s.refresh_jti_hash = $3 THEN s.refresh_jti_hash ELSE s.previous_jti_hash END,
    refresh_jti_hash = CASE WHEN s.refresh_jti_hash = $3 THEN $4 ELSE s.refresh_jti_hash END,
    rotated_at = CASE WHEN s.refresh_jti_hash = $3 THEN $5 ELSE s.rotated_at END,
    idle_expires_at = CASE WHEN s.refresh_jti_hash = $3 THEN LEAST($6, s.expires_at) ELSE s.idle_expires_at END,
    last_used_at = $5,
    revoked_at = CASE
      WHEN s.refresh_jti_hash = $3 OR (s.previous_jti_hash = $3 AND s.rotated_at >= $7) THEN NULL
      ELSE $5 END,
    revoke_reason = CASE
      WHEN s.refresh_jti_hash = $3 OR (s.previous_jti_hash = $3 AND s.rotated_at >= $7) THEN NULL
      ELSE 'reuse_detected' END
  FROM users u
  WHERE s.id = $1 AND s.user_id = $2 AND u.id = s.user_id AND u.disabled_at IS NULL
    AND s.revoked_at IS NULL
    AND s.idle_expires_at > $5 AND s.expires_at > $5
  RETURNING s.rotated_at, s.idle_expires_at, s.revoked_at, s.acr, s.amr, s.auth_time, u.roles,
    u.email_verified_at IS NOT NULL AS email_verified`,
};

const FIND_STATE: Statement = {
  text: `SELECT user_id, revoked_at, idle_expires_at, expires_at FROM sessions WHERE id = $1`,
};

const REVOKE: Statement = {
  text: `UPDATE sessions SET revoked_at = $2, revoke_reason = $3
         WHERE id = $1 AND revoked_at IS NULL RETURNING id`,
};

const REVOKE_ACTIVE_OF_USER: Statement = {
  text: `UPDATE sessions SET revoked_at = $3, revoke_reason = $4
         WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL
           AND idle_expires_at > $3 AND expires_at > $3
         RETURNING id`,
};

const REVOKE_ALL_OF_USER: Statement = {
  text: `UPDATE sessions SET revoked_at = $2, revoke_reason = $3
         WHERE user_id = $1 AND revoked_at IS NULL AND ($4::uuid IS NULL OR id <> $4::uuid)
         RETURNING id`,
};

/** The active condition of `findActiveOfUser`, counted for several users in one round trip. */
const COUNT_ACTIVE_OF_USERS: Statement = {
  text: `SELECT user_id, count(*)::int AS active FROM sessions
         WHERE user_id = ANY ($1::uuid[]) AND revoked_at IS NULL
           AND idle_expires_at > $2 AND expires_at > $2
         GROUP BY user_id`,
};

/** idle_expires_at never passes expires_at, so it alone tells an expired session. */
const DELETE_ENDED_BEFORE: Statement = {
  text: `DELETE FROM sessions WHERE id IN (
           SELECT id FROM sessions WHERE revoked_at < $1 OR idle_expires_at < $1 LIMIT $2)`,
};

@Injectable()
export class SessionsRepository {
  constructor(
    @InjectRepository(SessionEntity) private readonly orm: Repository<SessionEntity>,
    private readonly sql: Sql,
  ) {}

  /**
   * On the path of every login. Returns false, inserting nothing, if the user's password is no
   * longer at `passwordVersion`.
   */
  async insert(session: NewSession, passwordVersion: number): Promise<boolean> {
    const inserted = await this.sql.rowCount(INSERT, [
      session.id,
      session.userId,
      session.refreshJtiHash,
      session.createdAt,
      session.lastUsedAt,
      session.idleExpiresAt,
      session.expiresAt,
      session.userAgent,
      session.ip,
      session.acr,
      session.amr,
      session.authTime,
      passwordVersion,
    ]);
    return inserted === 1;
  }

  /** Returns the row as the statement left it, or undefined when the session is not usable. */
  async rotate(request: RotationRequest): Promise<RotatedSession | undefined> {
    const [row] = await this.sql.rows<{
      rotated_at: Date;
      idle_expires_at: Date;
      revoked_at: Date | null;
      acr: AssuranceLevel;
      amr: AuthenticationMethod[];
      auth_time: Date;
      roles: string[];
      email_verified: boolean;
    }>(ROTATE, [
      request.sessionId,
      request.userId,
      request.presentedHash,
      request.successorHash,
      request.now,
      request.idleExpiresAt,
      request.graceCutoff,
    ]);
    return (
      row && {
        rotatedAt: row.rotated_at,
        idleExpiresAt: row.idle_expires_at,
        revokedAt: row.revoked_at,
        acr: row.acr,
        amr: row.amr,
        authTime: row.auth_time,
        roles: row.roles,
        emailVerified: row.email_verified,
      }
    );
  }

  async findState(id: string): Promise<SessionState | undefined> {
    const [row] = await this.sql.rows<{
      user_id: string;
      revoked_at: Date | null;
      idle_expires_at: Date;
      expires_at: Date;
    }>(FIND_STATE, [id]);
    return (
      row && {
        userId: row.user_id,
        revokedAt: row.revoked_at,
        idleExpiresAt: row.idle_expires_at,
        expiresAt: row.expires_at,
      }
    );
  }

  /** Returns whether this call ended the session (false if it had already ended). */
  async revoke(id: string, reason: RevokeReason, now: Date): Promise<boolean> {
    return (await this.sql.rowCount(REVOKE, [id, now, reason])) === 1;
  }

  /** Revokes the session if it is an active one of this user. */
  async revokeActiveOfUser(
    id: string,
    userId: string,
    reason: RevokeReason,
    now: Date,
  ): Promise<boolean> {
    return (await this.sql.rowCount(REVOKE_ACTIVE_OF_USER, [id, userId, now, reason])) === 1;
  }

  /** Revokes every open session of the user, but `exceptId`, and returns their ids. */
  async revokeAllOfUser(
    userId: string,
    reason: RevokeReason,
    now: Date,
    exceptId: string | null = null,
  ): Promise<string[]> {
    const rows = await this.sql.rows<{ id: string }>(REVOKE_ALL_OF_USER, [
      userId,
      now,
      reason,
      exceptId,
    ]);
    return rows.map((row) => row.id);
  }

  findActiveOfUser(userId: string, now: Date): Promise<SessionEntity[]> {
    return this.orm
      .createQueryBuilder('session')
      .where('session.userId = :userId', { userId })
      .andWhere('session.revokedAt IS NULL')
      .andWhere('session.idleExpiresAt > :now AND session.expiresAt > :now', { now })
      .orderBy('session.createdAt', 'DESC')
      .addOrderBy('session.id', 'DESC')
      .getMany();
  }

  /** How many active sessions each of the users has; a user without one is left out. */
  async countActiveOfUsers(userIds: string[], now: Date): Promise<Map<string, number>> {
    const rows = await this.sql.rows<{ user_id: string; active: number }>(COUNT_ACTIVE_OF_USERS, [
      userIds,
      now,
    ]);
    return new Map(rows.map((row) => [row.user_id, row.active]));
  }

  /** Deletes up to `limit` sessions that ended (revoked or expired) before `cutoff`. */
  deleteEndedBefore(cutoff: Date, limit: number): Promise<number> {
    return this.sql.rowCount(DELETE_ENDED_BEFORE, [cutoff, limit]);
  }
}
