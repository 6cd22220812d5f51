import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const AUTH_EVENT_TYPES = [
  'register',
  'login',
  'login_failed',
  'logout',
  'logout_all',
  'session_revoked',
  'password_changed',
  'refresh_reuse_detected',
  'profile_updated',
  'email_verified',
  'password_reset_requested',
  'password_reset',
  'email_changed',
  'account_disabled',
  'account_enabled',
  'account_deleted',
] as const;

export type AuthEventType = (typeof AUTH_EVENT_TYPES)[number];

@Entity('auth_events')
export class AuthEventEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column({ type: 'varchar', length: 32 })
  type!: AuthEventType;

  /**
   * Null for a failed login with an email that has no account. Not a foreign key: an account's
   * `account_deleted` event outlives it.
   */
  @Column({ name: 'user_id', type: 'uuid', nullable: true })
  userId!: string | null;

  @Column({ name: 'session_id', type: 'uuid', nullable: true })
  sessionId!: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  ip!: string | null;

  @Column({ name: 'user_agent', type: 'varchar', length: 512, nullable: true })
  userAgent!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
