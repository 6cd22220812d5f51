import { Injectable } from '@nestjs/common';

import { AuditService } from 'src/audit/audit.service';
import { ValidationFailedError } from 'src/common/app-error';
import type { ClientInfo } from 'src/common/client-info.decorator';
import type { SqlExecutor } from 'src/database/sql';
import { canonicalEmail, legacyEmail } from 'src/users/email';
import { PasswordHasher, type HashingParty } from 'src/users/password-hasher';
import { assertPasswordAcceptable } from 'src/users/password-policy';
import { ADMIN_ROLE, USER_ROLE } from 'src/users/user.entity';
import {
  UsersRepository,
  type AccountPage,
  type NewUser,
  type UserAccount,
} from 'src/users/users.repository';

export interface Registration {
  email: string;
  password: string;
  displayName?: string;
}

/**
 * The account a password check is about, if there is one, with its stored hash. Checking a
 * password against a candidate without an account costs the same work as against one with it.
 */
export interface PasswordCandidate {
  account?: UserAccount;
  passwordHash?: string;
}

@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly audit: AuditService,
  ) {}

  /** Answers 503 at once, before any work, when a password check for `party` would be shed. */
  assertCanCheckPassword(party: HashingParty): void {
    this.hasher.assertCanHash(party);
  }

  async register(registration: Registration, party: HashingParty): Promise<UserAccount> {
    return this.insert(await this.prepareRegistration(registration, party));
  }

  /** Checks and hashes a registration, so that it can be inserted inside a transaction. */
  async prepareRegistration(
    { email, password, displayName }: Registration,
    party: HashingParty,
  ): Promise<NewUser> {
    assertPasswordAcceptable(password);
    this.hasher.assertCanHash(party);
    return {
      email: canonicalEmail(email),
      passwordHash: await this.hasher.hash(password, party),
      displayName: displayName ?? null,
    };
  }

  /** 409 `email_taken` when the email has an account. */
  insert(user: NewUser, db?: SqlExecutor): Promise<UserAccount> {
    return this.users.insert(user, db);
  }

  /** The account an email (in any spelling that canonicalises to it) belongs to. */
  findByEmail(email: string): Promise<UserAccount | undefined> {
    return this.users.findByEmail(canonicalEmail(email), legacyEmail(email));
  }

  /** A new password, checked against the password rules and hashed (`field` names it in errors). */
  async hashNewPassword(password: string, party: HashingParty, field: string): Promise<string> {
    assertPasswordAcceptable(password, field);
    this.hasher.assertCanHash(party);
    return this.hasher.hash(password, party);
  }

  async findPasswordCandidate(email: string): Promise<PasswordCandidate> {
    return (
      (await this.users.findWithPasswordByEmail(canonicalEmail(email), legacyEmail(email))) ?? {}
    );
  }

  async findPasswordCandidateById(id: string): Promise<PasswordCandidate> {
    return (await this.users.findWithPasswordById(id)) ?? {};
  }

  /**
   * The candidate's account if `password` is its password, undefined otherwise; an unknown account
   * costs the same argon2 work as a wrong password. A right password hashed with older parameters
   * is hashed again.
   */
  async checkPassword(
    { account, passwordHash }: PasswordCandidate,
    password: string,
    party: HashingParty,
  ): Promise<UserAccount | undefined> {
    if (!account || !passwordHash) {
      await this.hasher.verifyDecoy(password, party);
      return undefined;
    }
    if (!(await this.hasher.verify(passwordHash, password, party))) {
      return undefined;
    }
    if (this.hasher.needsRehash(passwordHash)) {
      await this.users.rehashPassword(
        account.id,
        account.passwordVersion,
        await this.hasher.hash(password, party),
      );
    }
    return account;
  }

  /** The new password of a password change, checked and hashed. */
  hashChangedPassword(
    currentPassword: string,
    newPassword: string,
    party: HashingParty,
  ): Promise<string> {
    if (newPassword === currentPassword) {
      throw new ValidationFailedError([
        { field: 'newPassword', message: 'newPassword must differ from currentPassword' },
      ]);
    }
    return this.hashNewPassword(newPassword, party, 'newPassword');
  }

  /**
   * Stores the new password of an account whose current password was just checked. Returns false,
   * changing nothing, if the password changed since `account` was read (another change won).
   */
  replacePassword(account: UserAccount, passwordHash: string, db?: SqlExecutor): Promise<boolean> {
    return this.users.replacePassword(account.id, account.passwordVersion, passwordHash, db);
  }

  /** A reset's new password, if the account still has the address the link went to. */
  resetPassword(
    id: string,
    email: string,
    passwordHash: string,
    db?: SqlExecutor,
  ): Promise<UserAccount | undefined> {
    return this.users.resetPassword(id, email, passwordHash, db);
  }

  /** Marks `email` verified, if it is still the account's address. */
  markEmailVerified(id: string, email: string, db?: SqlExecutor): Promise<UserAccount | undefined> {
    return this.users.markEmailVerified(id, email, db);
  }

  /** The new, verified address; 409 `email_taken` if another account has it. */
  changeEmail(id: string, email: string, db?: SqlExecutor): Promise<UserAccount | undefined> {
    return this.users.changeEmail(id, email, db);
  }

  delete(id: string, db?: SqlExecutor): Promise<boolean> {
    return this.users.delete(id, db);
  }

  setDisabled(id: string, disabled: boolean): Promise<UserAccount | undefined> {
    return this.users.setDisabled(id, disabled);
  }

  /** Sets the roles; `user` always stays. */
  setRoles(id: string, roles: string[]): Promise<UserAccount | undefined> {
    return this.users.setRoles(id, [...new Set([USER_ROLE, ...roles])]);
  }

  /** Accounts whose canonical email starts with `prefix` (literally), in email order. */
  list(prefix: string, limit: number, after?: string): Promise<AccountPage> {
    return this.users.list(canonicalEmail(prefix), limit, after);
  }

  /**
   * Creates an administrator, or makes an existing account one (its password is kept then). A new
   * administrator's address counts as verified: the operator vouches for it, and under
   * EMAIL_VERIFICATION=required an unverified one could not administer anything.
   */
  async createAdmin(
    email: string,
    password: () => Promise<string>,
  ): Promise<'created' | 'promoted'> {
    const { account } = await this.findPasswordCandidate(email);
    if (account) {
      await this.users.addRole(account.id, ADMIN_ROLE);
      return 'promoted';
    }
    const user = await this.register({ email, password: await password() }, 'cli');
    await this.users.addRole(user.id, ADMIN_ROLE);
    await this.users.markEmailVerified(user.id, user.email);
    return 'created';
  }

  findAccount(id: string): Promise<UserAccount | undefined> {
    return this.users.findAccount(id);
  }

  /** The account with its new profile, or undefined if it no longer exists. */
  async updateProfile(
    id: string,
    profile: { displayName: string | null },
    { client, sessionId }: { client: ClientInfo; sessionId: string },
  ): Promise<UserAccount | undefined> {
    const account = await this.users.updateProfile(id, profile);
    if (account) {
      await this.audit.record('profile_updated', { userId: id, sessionId, ...client });
    }
    return account;
  }
}
