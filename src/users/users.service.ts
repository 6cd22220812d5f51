import { Injectable } from '@nestjs/common';

import { normalizeEmail } from 'src/users/email';
import { PasswordHasher } from 'src/users/password-hasher';
import { assertPasswordAcceptable } from 'src/users/password-policy';
import type { UserEntity } from 'src/users/user.entity';
import { UsersRepository } from 'src/users/users.repository';

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
      await this.users.updatePasswordHash(user.id, await this.hasher.hash(password));
    }
    return { valid: true, user };
  }

  findById(id: string): Promise<UserEntity | null> {
    return this.users.findById(id);
  }

  findRoles(id: string): Promise<string[] | undefined> {
    return this.users.findRoles(id);
  }
}
