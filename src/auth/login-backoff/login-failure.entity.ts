import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Consecutive failed logins for one email (stored as a digest), and the wait they impose. */
@Entity('login_failures')
export class LoginFailureEntity {
  @PrimaryColumn({ name: 'email_digest', type: 'bytea' })
  emailDigest!: Buffer;

  @Column({ type: 'integer' })
  failures!: number;

  @Column({ name: 'blocked_until', type: 'timestamptz', nullable: true })
  blockedUntil!: Date | null;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
