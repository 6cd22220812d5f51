import { Injectable } from '@nestjs/common';
import { isUUID } from 'class-validator';

import { AccountDeletion } from 'src/account/account-deletion.service';
import { PasswordReset } from 'src/account/password-reset.service';
import { AuditService } from 'src/audit/audit.service';
import { NotFoundError, ValidationFailedError } from 'src/common/app-error';
import type { ClientInfo } from 'src/common/client-info.decorator';
import type { SessionEntity } from 'src/sessions/session.entity';
import { SessionsService } from 'src/sessions/sessions.service';
import type { UserAccount } from 'src/users/users.repository';
import { UsersService } from 'src/users/users.service';

export const NO_SUCH_USER = 'There is no user with this id.';

/** An account with what an administrator is shown beside it. */
export interface AdministeredUser {
  account: UserAccount;
  activeSessions: number;
}

export interface AdministeredUserPage {
  items: AdministeredUser[];
  /** Where the next page starts, or null on the last page. */
  nextCursor: string | null;
}

/** What disabling or enabling an account did. */
export interface AccountStatusChange {
  account: UserAccount;
  /** False when the account already was in that state. */
  changed: boolean;
  /** How many sessions ended (disabling only). */
  endedSessions: number;
}

/** A page's cursor is the base64url of the email it ends with: opaque to clients, not a secret. */
function encodeCursor(email: string): string {
  return Buffer.from(email, 'utf8').toString('base64url');
}

/**
 * The email a cursor continues after. Anything that is not exactly what `encodeCursor` makes of
 * some text (padding, stray bits, invalid UTF-8, control characters) is refused.
 */
function decodeCursor(cursor: string): string {
  const email = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!email || encodeCursor(email) !== cursor || /\p{Cc}/u.test(email)) {
    throw new ValidationFailedError([
      { field: 'cursor', message: 'cursor must be the nextCursor of a previous page' },
    ]);
  }
  return email;
}

/**
 * User administration: finding accounts, disabling and enabling them, their roles, sessions,
 * password resets and deletion. Every method answers 404 `not_found` for an id that is not an
 * account's (a malformed one included).
 */
@Injectable()
export class UserAdministration {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly audit: AuditService,
    private readonly passwordReset: PasswordReset,
    private readonly deletion: AccountDeletion,
  ) {}

  /** Accounts whose email starts with `prefix` (literally), in email order. */
  async list(prefix: string, limit: number, cursor?: string): Promise<AdministeredUserPage> {
    const after = cursor === undefined ? undefined : decodeCursor(cursor);
    const page = await this.users.list(prefix, limit, after);
    const counts = await this.sessions.countActiveOfUsers(page.items.map(({ id }) => id));
    return {
      items: page.items.map((account) => ({
        account,
        activeSessions: counts.get(account.id) ?? 0,
      })),
      nextCursor: page.after === undefined ? null : encodeCursor(page.after),
    };
  }

  async get(userId: string): Promise<AdministeredUser> {
    return this.withSessionCount(await this.accountOf(userId));
  }

  /** Disables the account and ends every session of it (again, if it was disabled already). */
  async disable(userId: string, client: ClientInfo): Promise<AccountStatusChange> {
    return this.setDisabled(await this.accountOf(userId), true, client);
  }

  async enable(userId: string, client: ClientInfo): Promise<AccountStatusChange> {
    return this.setDisabled(await this.accountOf(userId), false, client);
  }

  /** `disable` or `enable` for the account with this email (the CLI); 404 without one. */
  async setDisabledByEmail(
    email: string,
    disabled: boolean,
    client: ClientInfo,
  ): Promise<AccountStatusChange> {
    const account = await this.users.findByEmail(email);
    if (!account) {
      throw new NotFoundError(`There is no account with the email ${email}.`);
    }
    return this.setDisabled(account, disabled, client);
  }

  /** Replaces the roles; `user` always stays. */
  async setRoles(userId: string, roles: string[]): Promise<AdministeredUser> {
    this.assertUserId(userId);
    const account = await this.users.setRoles(userId, roles);
    if (!account) {
      throw new NotFoundError(NO_SUCH_USER);
    }
    return this.withSessionCount(account);
  }

  /** A reset mail to the user (none if one left within MAIL_COOLDOWN). */
  async sendPasswordReset(userId: string, client: ClientInfo): Promise<void> {
    this.assertUserId(userId);
    await this.passwordReset.sendByAdmin(userId, client);
  }

  async delete(userId: string, client: ClientInfo): Promise<void> {
    this.assertUserId(userId);
    if (!(await this.deletion.delete(userId, client))) {
      throw new NotFoundError(NO_SUCH_USER);
    }
  }

  /** The user's active sessions, newest first. */
  async activeSessions(userId: string): Promise<SessionEntity[]> {
    await this.accountOf(userId);
    return this.sessions.listActive(userId);
  }

  /** Ends every session of the user; each records a `session_revoked` event. */
  async revokeSessions(userId: string, client: ClientInfo): Promise<void> {
    await this.accountOf(userId);
    await this.sessions.revokeAllOfUser(userId, 'admin', { client });
  }

  /**
   * The event is recorded only when the state changes, so disabling twice is harmless; the sessions
   * are revoked after the account is disabled (a login that raced it has then opened its session,
   * or opens none), and again on a second disable.
   */
  private async setDisabled(
    account: UserAccount,
    disabled: boolean,
    client: ClientInfo,
  ): Promise<AccountStatusChange> {
    const updated = await this.users.setDisabled(account.id, disabled);
    if (!updated) {
      throw new NotFoundError(NO_SUCH_USER);
    }
    const ended = disabled
      ? await this.sessions.revokeAllOfUser(account.id, 'account_disabled', { client })
      : [];
    const changed = !!account.disabledAt !== disabled;
    if (changed) {
      await this.audit.record(disabled ? 'account_disabled' : 'account_enabled', {
        userId: account.id,
        ...client,
      });
    }
    return { account: updated, changed, endedSessions: ended.length };
  }

  private async withSessionCount(account: UserAccount): Promise<AdministeredUser> {
    return { account, activeSessions: await this.sessions.countActive(account.id) };
  }

  private async accountOf(userId: string): Promise<UserAccount> {
    this.assertUserId(userId);
    const account = await this.users.findAccount(userId);
    if (!account) {
      throw new NotFoundError(NO_SUCH_USER);
    }
    return account;
  }

  /** A malformed id is no account's: 404, never a database error. */
  private assertUserId(userId: string): void {
    if (!isUUID(userId)) {
      throw new NotFoundError(NO_SUCH_USER);
    }
  }
}
