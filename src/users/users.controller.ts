import { Body, Controller, Get, Patch } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { InvalidAccessTokenError } from 'src/common/app-error';
import { Client, type ClientInfo } from 'src/common/client-info.decorator';
import { CurrentUser, type AuthenticatedUser } from 'src/common/current-user.decorator';
import {
  ACCESS_TOKEN_SCHEME,
  ApiProblems,
  bodyProblems,
  SERVICE_PROBLEMS,
  UNAUTHENTICATED_PROBLEMS,
} from 'src/common/openapi';
import { AllowUnverifiedEmail } from 'src/common/unverified-email.decorator';
import { UpdateProfileDto } from 'src/users/dto/profile.dto';
import { UserDto } from 'src/users/dto/user.dto';
import { UsersService } from 'src/users/users.service';

@ApiTags('users')
@ApiBearerAuth(ACCESS_TOKEN_SCHEME)
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get('me')
  @AllowUnverifiedEmail()
  @ApiOperation({ summary: 'The signed-in user' })
  @ApiOkResponse({ type: UserDto })
  @ApiProblems(...UNAUTHENTICATED_PROBLEMS, ...SERVICE_PROBLEMS)
  async me(@CurrentUser() { userId }: AuthenticatedUser): Promise<UserDto> {
    const user = await this.users.findAccount(userId);
    if (!user) {
      throw new InvalidAccessTokenError('The account of this access token no longer exists.');
    }
    return UserDto.from(user);
  }

  @Patch('me')
  @ApiOperation({ summary: "Change the signed-in user's profile" })
  @ApiOkResponse({ type: UserDto })
  @ApiProblems(
    ...UNAUTHENTICATED_PROBLEMS,
    ...bodyProblems({ field: 'displayName', message: 'displayName must be a string' }),
    ...SERVICE_PROBLEMS,
  )
  async updateProfile(
    @CurrentUser() { userId, sessionId }: AuthenticatedUser,
    @Body() { displayName }: UpdateProfileDto,
    @Client() client: ClientInfo,
  ): Promise<UserDto> {
    const user = await this.users.updateProfile(userId, { displayName }, { client, sessionId });
    if (!user) {
      throw new InvalidAccessTokenError('The account of this access token no longer exists.');
    }
    return UserDto.from(user);
  }
}
