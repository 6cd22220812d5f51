import { Injectable } from '@nestjs/common';

import { ValidationFailedError } from 'src/common/app-error';

import { normalizeEmail } from 'src/users/email';
import { PasswordHasher } from 'src/users/password-hasher';
import { assertPasswordAcceptable } from 'src/users/password-policy';
import { ADMIN_ROLE, type UserEntity } from 'src/users/user.entity';
import { UsersRepository, type UserProfile } from 'src/users/users.repository';

export interface Registration {
  email: string;
  password: string;
  displayName?: string;
}

/** `invalid` carries the account's id when the email exists, for the audit trail only. */
export type CredentialCheck = { valid: true; user: UserEntity } | { valid: false; userId?: string };

@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
  ) {}

  async register({ email, password, displayName }: Registration): Promise<UserEntity> {
    assertPasswordAcceptable(password);
    return this.users.insert({
      email: normalizeEmail(email),
      passwordHash: await this.hasher.hash(password),
      displayName: displayName ?? null,
    });
  }

  /**
   * An unknown email costs the same argon2 work as a wrong password, so neither the answer nor
   * its timing tells whether an account exists.
   */
  async verifyCredentials(email: string, password: string): Promise<CredentialCheck> {
    const user = await this.users.findByEmail(normalizeEmail(email));
    if (!user) {
      await this.hasher.verifyDecoy(password);
      return { valid: false };
    }
    if (!(await this.hasher.verify(user.passwordHash, password))) {
      return { valid: false, userId: user.id };
    }
    if (this.hasher.needsRehash(user.passwordHash)) {
      await this.users.rehashPassword(
        user.id,
        user.passwordVersion,
        await this.hasher.hash(password),
      );
    }
    return { valid: true, user };
  }

  /**
   * Replaces the password when `currentPassword` is right; returns false, changing nothing, when
   * it is wrong, or stopped being the current one (another change landed) while it was checked.
   */
  async changePassword(
    user: UserEntity,
    currentPassword: string,
    newPassword: string,
  ): Promise<boolean> {
    if (!(await this.hasher.verify(user.passwordHash, currentPassword))) {
      return false;
    }
    if (newPassword === currentPassword) {
      throw new ValidationFailedError([
        { field: 'newPassword', message: 'newPassword must differ from currentPassword' },
      ]);
    }
    assertPasswordAcceptable(newPassword, 'newPassword');
    return this.users.replacePassword(
      user.id,
      user.passwordVersion,
      await this.hasher.hash(newPassword),
    );
  }

  /** Creates an administrator, or makes an existing account one (its password is kept then). */
  async createAdmin(
    email: string,
    password: () => Promise<string>,
  ): Promise<'created' | 'promoted'> {
    const existing = await this.users.findByEmail(normalizeEmail(email));
    if (existing) {
      await this.users.addRole(existing.id, ADMIN_ROLE);
      return 'promoted';
    }
    const user = await this.register({ email, password: await password() });
    await this.users.addRole(user.id, ADMIN_ROLE);
    return 'created';
  }

  findProfile(id: string): Promise<UserProfile | undefined> {
    return this.users.findProfile(id);
  }

  findById(id: string): Promise<UserEntity | null> {
    return this.users.findById(id);
  }
}
