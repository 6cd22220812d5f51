import { Injectable } from '@nestjs/common';

import { AccountMail } from 'src/account-mail/account-mail';
import { AuditService } from 'src/audit/audit.service';
import { WrongPasswordError } from 'src/auth/auth.errors';
import { PasswordCheck } from 'src/auth/password/password-check.service';
import type { ClientInfo } from 'src/common/client-info.decorator';
import type { AuthenticatedUser } from 'src/common/current-user.decorator';
import { Sql } from 'src/database/sql';
import { SessionsService } from 'src/sessions/sessions.service';
import { UsersService } from 'src/users/users.service';

@Injectable()
export class PasswordChange {
  constructor(
    private readonly check: PasswordCheck,
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly audit: AuditService,
    private readonly accountMail: AccountMail,
    private readonly sql: Sql,
  ) {}

  /**
   * Replaces the password when `currentPassword` is right (the user is told by mail), and ends
   * every other session of the user. Of two changes racing from two sessions only the first lands; the other is refused like
   * a wrong password, since its `currentPassword` is no longer current.
   */
  async change(
    principal: AuthenticatedUser,
    currentPassword: string,
    newPassword: string,
    client: ClientInfo,
  ): Promise<void> {
    const account = await this.check.verify(principal.userId, currentPassword, client);
    const passwordHash = await this.users.hashChangedPassword(
      currentPassword,
      newPassword,
      client.ip,
    );
    await this.sql.transaction(async (tx) => {
      if (!(await this.users.replacePassword(account, passwordHash, tx))) {
        throw new WrongPasswordError();
      }
      await this.accountMail.notify('password-changed', account, tx);
    });
    await this.sessions.revokeAllOfUser(account.id, 'password_changed', {
      except: principal.sessionId,
      client,
    });
    await this.audit.record('password_changed', {
      userId: account.id,
      sessionId: principal.sessionId,
      ...client,
    });
  }
}
