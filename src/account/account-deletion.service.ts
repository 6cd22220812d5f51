import { Injectable } from '@nestjs/common';

import { AuditService } from 'src/audit/audit.service';
import { LoginBackoff } from 'src/auth/login-backoff/login-backoff.service';
import { PasswordCheck } from 'src/auth/password/password-check.service';
import type { ClientInfo } from 'src/common/client-info.decorator';
import type { AuthenticatedUser } from 'src/common/current-user.decorator';
import { Sql } from 'src/database/sql';
import { SessionsService } from 'src/sessions/sessions.service';
import { UsersService } from 'src/users/users.service';

/**
 * Deleting an account: its sessions end first (so its tokens stop at once, on every instance),
 * then the account goes with everything that hangs off it (sessions, links, credentials, events),
 * leaving one `account_deleted` event that keeps the user id alone. The email can register again.
 */
@Injectable()
export class AccountDeletion {
  constructor(
    private readonly check: PasswordCheck,
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly backoff: LoginBackoff,
    private readonly audit: AuditService,
    private readonly sql: Sql,
  ) {}

  async deleteOwn(
    principal: AuthenticatedUser,
    currentPassword: string,
    client: ClientInfo,
  ): Promise<void> {
    await this.check.verify(principal.userId, currentPassword, client);
    await this.delete(principal.userId, client);
  }

  /** Returns false if there was no such account. */
  async delete(userId: string, client: ClientInfo): Promise<boolean> {
    const account = await this.users.findAccount(userId);
    if (!account) {
      return false;
    }
    await this.sessions.revokeAllOfUser(userId, 'account_deleted', { client });
    const deleted = await this.sql.transaction(async (tx) => {
      await this.audit.forgetUser(userId, tx);
      return this.users.delete(userId, tx);
    });
    if (deleted) {
      await this.backoff.clear([{ account: account.email }]);
      await this.audit.record('account_deleted', { userId, ip: null, userAgent: null });
    }
    return deleted;
  }
}
