import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { WrongPasswordError } from 'src/auth/auth.errors';
import { AuthService } from 'src/auth/auth.service';
import { ChangePasswordDto } from 'src/auth/dto/change-password.dto';
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
export class PasswordController {
  constructor(private readonly auth: AuthService) {}

  @Post()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Change the password',
    description:
      'Needs the current password. Every other session of the user ends at once, refresh and access tokens alike; this one stays.',
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
    await this.auth.changePassword(user, currentPassword, newPassword, client);
  }
}
