import { Controller, Delete, Get, HttpCode, HttpStatus, Param } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiParam,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';

import { NotFoundError } from 'src/common/app-error';
import { Client, type ClientInfo } from 'src/common/client-info.decorator';
import { CurrentUser, type AuthenticatedUser } from 'src/common/current-user.decorator';
import {
  ACCESS_TOKEN_SCHEME,
  ApiProblems,
  SERVICE_PROBLEMS,
  UNAUTHENTICATED_PROBLEMS,
} from 'src/common/openapi';
import { SessionDto } from 'src/sessions/dto/session.dto';
import { SessionsService } from 'src/sessions/sessions.service';

@ApiTags('sessions')
@ApiBearerAuth(ACCESS_TOKEN_SCHEME)
@Controller('sessions')
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @Get()
  @ApiOperation({ summary: "The signed-in user's active sessions, newest first" })
  @ApiOkResponse({ type: [SessionDto] })
  @ApiProblems(...UNAUTHENTICATED_PROBLEMS, ...SERVICE_PROBLEMS)
  async list(@CurrentUser() user: AuthenticatedUser): Promise<SessionDto[]> {
    const sessions = await this.sessions.listActive(user.userId);
    return sessions.map((session) => SessionDto.from(session, user.sessionId));
  }

  @Delete(':id')
  @ApiParam({
    name: 'id',
    format: 'uuid',
    description: 'A session of the caller, from `GET /sessions`; any other value is 404.',
  })
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'End one of your sessions',
    description:
      'Its refresh token and access tokens stop working at once. Ending the current session is a logout.',
  })
  @ApiNoContentResponse({ description: 'The session has ended.' })
  @ApiProblems(
    new NotFoundError('You have no active session with this id.'),
    ...UNAUTHENTICATED_PROBLEMS,
    ...SERVICE_PROBLEMS,
  )
  async revoke(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id') sessionId: string,
    @Client() client: ClientInfo,
  ): Promise<void> {
    if (!(await this.sessions.revokeOwn(user.userId, sessionId, client))) {
      throw new NotFoundError('You have no active session with this id.');
    }
  }
}
