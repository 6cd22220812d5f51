import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { AuditService } from 'src/audit/audit.service';
import { AuthEventDto, ListEventsQuery } from 'src/audit/dto/auth-event.dto';
import { ValidationFailedError } from 'src/common/app-error';
import { CurrentUser, type AuthenticatedUser } from 'src/common/current-user.decorator';
import {
  ACCESS_TOKEN_SCHEME,
  ApiProblems,
  SERVICE_PROBLEMS,
  UNAUTHENTICATED_PROBLEMS,
} from 'src/common/openapi';

@ApiTags('users')
@ApiBearerAuth(ACCESS_TOKEN_SCHEME)
@Controller('users/me/events')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiOperation({
    summary: "The signed-in user's security events, newest first",
    description:
      'Registrations, logins and failed logins, logouts, revoked sessions, password changes and detected refresh-token reuse, with the address and user agent they came from. Page with `limit` and `before`.',
  })
  @ApiOkResponse({ type: [AuthEventDto] })
  @ApiProblems(
    new ValidationFailedError([{ field: 'limit', message: 'limit must not be greater than 100' }]),
    ...UNAUTHENTICATED_PROBLEMS,
    ...SERVICE_PROBLEMS,
  )
  async list(
    @CurrentUser() { userId }: AuthenticatedUser,
    @Query() { limit, before }: ListEventsQuery,
  ): Promise<AuthEventDto[]> {
    const events = await this.audit.listForUser(userId, { limit, before });
    return events.map((event) => AuthEventDto.from(event));
  }
}
