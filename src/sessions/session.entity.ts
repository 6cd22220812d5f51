import { Column, Entity, PrimaryColumn } from 'typeorm';

import type { AssuranceLevel, AuthenticationMethod } from 'src/common/current-user.decorator';

export type RevokeReason =
  | 'logout'
  | 'logout_all'
  | 'reuse_detected'
  | 'password_changed'
  | 'password_reset'
  | 'session_deleted'
  | 'admin'
  | 'account_disabled'
  | 'account_deleted';

/** One login on one device. The refresh token itself is never stored, only SHA-256 of its jti. */
@Entity('sessions')
export class SessionEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @Column({ name: 'refresh_jti_hash', type: 'bytea' })
  refreshJtiHash!: Buffer;

  @Column({ name: 'previous_jti_hash', type: 'bytea', nullable: true })
  previousJtiHash!: Buffer | null;

  @Column({ name: 'rotated_at', type: 'timestamptz', nullable: true })
  rotatedAt!: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'last_used_at', type: 'timestamptz' })
  lastUsedAt!: Date;

  /** Slides with each rotation by REFRESH_TOKEN_TTL, never past `expiresAt`. */
  @Column({ name: 'idle_expires_at', type: 'timestamptz' })
  idleExpiresAt!: Date;

  /** Absolute end of the session: SESSION_MAX_AGE after login, never extended. */
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;

  @Column({ name: 'revoke_reason', type: 'varchar', length: 32, nullable: true })
  revokeReason!: RevokeReason | null;

  @Column({ name: 'user_agent', type: 'varchar', length: 512, nullable: true })
  userAgent!: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  ip!: string | null;

  /** The assurance of the proof that opened the session, or of a later step-up. */
  @Column({ type: 'varchar', length: 16 })
  acr!: AssuranceLevel;

  /** How the user proved who they are (RFC 8176). */
  @Column({ type: 'text', array: true })
  amr!: AuthenticationMethod[];

  /** When the user last proved who they are in this session; a refresh does not move it. */
  @Column({ name: 'auth_time', type: 'timestamptz' })
  authTime!: Date;
}
