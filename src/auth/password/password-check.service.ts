import { Injectable } from '@nestjs/common';

import { WrongPasswordError } from 'src/auth/auth.errors';
import { LoginBackoff } from 'src/auth/login-backoff/login-backoff.service';
import { InvalidAccessTokenError } from 'src/common/app-error';
import type { ClientInfo } from 'src/common/client-info.decorator';
import { RateLimiter } from 'src/rate-limit/rate-limiter';
import type { UserAccount } from 'src/users/users.repository';
import { UsersService } from 'src/users/users.service';

/**
 * The check of a signed-in user's current password, for the routes that ask for it again (password
 * change; later reauthentication and deletion). A stolen access token must not make it an oracle:
 * each check counts toward the user's RATE_LIMIT_PASSWORD_CHECK and the account's backoff, like a
 * login, before the password is hashed.
 */
@Injectable()
export class PasswordCheck {
  constructor(
    private readonly users: UsersService,
    private readonly backoff: LoginBackoff,
    private readonly limiter: RateLimiter,
  ) {}

  /** The account, if `password` is its current one; 401 `invalid_credentials` otherwise. */
  async verify(userId: string, password: string, client: ClientInfo): Promise<UserAccount> {
    await this.limiter.consume('passwordCheck', userId);
    this.users.assertCanCheckPassword(client.ip);
    const candidate = await this.users.findPasswordCandidateById(userId);
    const { account } = candidate;
    if (!account) {
      throw new InvalidAccessTokenError('The account of this access token no longer exists.');
    }
    await this.backoff.reserve({ account: account.email });
    const checked = await this.users.checkPassword(candidate, password, client.ip);
    if (!checked) {
      throw new WrongPasswordError();
    }
    await this.backoff.clear([{ account: checked.email }]);
    return checked;
  }
}
