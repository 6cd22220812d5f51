import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export const USER_ROLE = 'user';
export const ADMIN_ROLE = 'admin';

@Entity('users')
export class UserEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** In its canonical spelling (`canonicalEmail`); unique. */
  @Column({ type: 'varchar', length: 254 })
  email!: string;

  @Column({ name: 'password_hash', type: 'text' })
  passwordHash!: string;

  /**
   * Goes up with every password change (not with a rehash). Sessions are opened and passwords
   * replaced only for the version that was verified: a password change that lands in between wins.
   */
  @Column({ name: 'password_version', type: 'integer', default: 1 })
  passwordVersion!: number;

  @Column({ name: 'display_name', type: 'varchar', length: 100, nullable: true })
  displayName!: string | null;

  @Column({ type: 'text', array: true, default: () => `'{user}'` })
  roles!: string[];

  /** When the user proved they receive mail at `email`; null until then. */
  @Column({ name: 'email_verified_at', type: 'timestamptz', nullable: true })
  emailVerifiedAt!: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
