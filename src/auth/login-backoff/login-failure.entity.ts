import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Consecutive password attempts that did not (yet) succeed, for one account or one device token
 * (stored as a digest of its key), and the wait they impose.
 */
@Entity('login_failures')
export class LoginFailureEntity {
  @PrimaryColumn({ name: 'key_digest', type: 'bytea' })
  keyDigest!: Buffer;

  @Column({ type: 'integer' })
  failures!: number;

  @Column({ name: 'blocked_until', type: 'timestamptz', nullable: true })
  blockedUntil!: Date | null;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
