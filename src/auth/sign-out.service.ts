import { Injectable } from '@nestjs/common';

import { InvalidAccessTokenError } from 'src/common/app-error';
import type { ClientInfo } from 'src/common/client-info.decorator';
import type { AuthenticatedUser } from 'src/common/current-user.decorator';
import { SessionsService } from 'src/sessions/sessions.service';
import { UsersService } from 'src/users/users.service';

/** Logout of every device. (Logout of one session is `SessionsService.logout`.) */
@Injectable()
export class SignOutService {
  constructor(
    private readonly sessions: SessionsService,
    private readonly users: UsersService,
  ) {}

  /**
   * Ends every session of the user, this one included. The token of an account deleted meanwhile
   * is refused as such, not answered with a 204 for sessions that are gone.
   */
  async logoutAll(principal: AuthenticatedUser, client: ClientInfo): Promise<void> {
    if (!(await this.users.findAccount(principal.userId))) {
      throw new InvalidAccessTokenError('The account of this access token no longer exists.');
    }
    await this.sessions.revokeAllOfUser(principal.userId, 'logout_all', {
      client,
      sessionId: principal.sessionId,
    });
  }
}
