import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { WrongPasswordError } from 'src/auth/auth.errors';
import { ChangePasswordDto } from 'src/auth/dto/change-password.dto';
import { PasswordChange } from 'src/auth/password/password-change.service';
import { Client, type ClientInfo } from 'src/common/client-info.decorator';
import { CurrentUser, type AuthenticatedUser } from 'src/common/current-user.decorator';
import {
  ACCESS_TOKEN_SCHEME,
  ApiProblems,
  bodyProblems,
  SERVICE_PROBLEMS,
  UNAUTHENTICATED_PROBLEMS,
} from 'src/common/openapi';

/** Credentials are the auth module's: this route lives here, under the users' path. */
@ApiTags('users')
@ApiBearerAuth(ACCESS_TOKEN_SCHEME)
@Controller('users/me/password')
export class PasswordChangeController {
  constructor(private readonly passwords: PasswordChange) {}

  @Post()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Change the password',
    description:
      'Needs the current password, which is checked like a login: it counts toward the account’s backoff and the user’s RATE_LIMIT_PASSWORD_CHECK. Every other session of the user ends at once, refresh and access tokens alike; this one stays.',
  })
  @ApiNoContentResponse({ description: 'The password has changed.' })
  @ApiProblems(
    new WrongPasswordError(),
    ...UNAUTHENTICATED_PROBLEMS,
    ...bodyProblems({
      field: 'newPassword',
      message: 'newPassword must be between 8 and 128 characters long',
    }),
    ...SERVICE_PROBLEMS,
  )
  async change(
    @CurrentUser() user: AuthenticatedUser,
    @Body() { currentPassword, newPassword }: ChangePasswordDto,
    @Client() client: ClientInfo,
  ): Promise<void> {
    await this.passwords.change(user, currentPassword, newPassword, client);
  }
}
