import { Controller, Get, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiParam,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { isUUID } from 'class-validator';

import { Roles } from 'libs/access-token';
import { ForbiddenError, NotFoundError } from 'src/common/app-error';
import { Client, type ClientInfo } from 'src/common/client-info.decorator';
import {
  ACCESS_TOKEN_SCHEME,
  ApiProblems,
  SERVICE_PROBLEMS,
  UNAUTHENTICATED_PROBLEMS,
} from 'src/common/openapi';
import { SessionDto } from 'src/sessions/dto/session.dto';
import { SessionsService } from 'src/sessions/sessions.service';
import { ADMIN_ROLE } from 'src/users/user.entity';
import { UsersService } from 'src/users/users.service';

const NO_SUCH_USER = 'There is no user with this id.';

@ApiTags('admin')
@ApiBearerAuth(ACCESS_TOKEN_SCHEME)
@Roles(ADMIN_ROLE)
@ApiProblems(
  new NotFoundError(NO_SUCH_USER),
  new ForbiddenError(),
  ...UNAUTHENTICATED_PROBLEMS,
  ...SERVICE_PROBLEMS,
)
@ApiParam({ name: 'id', format: 'uuid', description: "The user's id; an unknown one is 404." })
@Controller('admin/users/:id')
export class AdminController {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
  ) {}

  @Get('sessions')
  @ApiOperation({ summary: "A user's active sessions, newest first (admin)" })
  @ApiOkResponse({ type: [SessionDto] })
  async sessionsOf(@Param('id') userId: string): Promise<SessionDto[]> {
    await this.assertUserExists(userId);
    const sessions = await this.sessions.listActive(userId);
    return sessions.map((session) => SessionDto.from(session));
  }

  @Post('revoke-sessions')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'End every session of a user (admin)',
    description: 'Refresh and access tokens stop working at once; the user must log in again.',
  })
  @ApiNoContentResponse({ description: 'All sessions of the user have ended.' })
  async revokeSessions(@Param('id') userId: string, @Client() client: ClientInfo): Promise<void> {
    await this.assertUserExists(userId);
    await this.sessions.revokeAllOfUser(userId, 'admin', { client });
  }

  private async assertUserExists(userId: string): Promise<void> {
    if (!isUUID(userId) || !(await this.users.findAccount(userId))) {
      throw new NotFoundError(NO_SUCH_USER);
    }
  }
}
