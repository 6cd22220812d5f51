import {
  applyDecorators,
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  Post,
  Put,
  Query,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';

import { Roles } from 'libs/access-token';
import { AcceptedDto } from 'src/account/dto/account.dto';
import { ACCEPTED } from 'src/account/account.controller';
import {
  AdminUserDto,
  AdminUserPageDto,
  ListUsersQuery,
  MAX_USERS_PAGE,
  SetRolesDto,
} from 'src/admin/dto/admin-user.dto';
import { NO_SUCH_USER, UserAdministration } from 'src/admin/user-administration.service';
import { ForbiddenError, NotFoundError, ValidationFailedError } from 'src/common/app-error';
import { Client, type ClientInfo } from 'src/common/client-info.decorator';
import {
  ACCESS_TOKEN_SCHEME,
  ApiProblems,
  bodyProblems,
  SERVICE_PROBLEMS,
  UNAUTHENTICATED_PROBLEMS,
} from 'src/common/openapi';
import { SessionDto } from 'src/sessions/dto/session.dto';
import { ADMIN_ROLE } from 'src/users/user.entity';

/** A route about one user: its `:id`, and the 404 for an id that is no user's. */
function UserRoute(): MethodDecorator {
  return applyDecorators(
    ApiParam({ name: 'id', format: 'uuid', description: "The user's id; an unknown one is 404." }),
    ApiProblems(new NotFoundError(NO_SUCH_USER)),
  );
}

@ApiTags('admin')
@ApiBearerAuth(ACCESS_TOKEN_SCHEME)
@Roles(ADMIN_ROLE)
@ApiProblems(new ForbiddenError(), ...UNAUTHENTICATED_PROBLEMS, ...SERVICE_PROBLEMS)
@Controller('admin/users')
export class AdminController {
  constructor(private readonly administration: UserAdministration) {}

  @Get()
  @ApiOperation({
    summary: 'Find users by the start of their email (admin)',
    description: `In email order, \`limit\` (1–${MAX_USERS_PAGE}, default 20) at a time; pass \`nextCursor\` as \`cursor\` for the next page.`,
  })
  @ApiOkResponse({ type: AdminUserPageDto })
  @ApiProblems(
    new ValidationFailedError([{ field: 'limit', message: 'limit must not be greater than 100' }]),
  )
  async list(@Query() { email, limit, cursor }: ListUsersQuery): Promise<AdminUserPageDto> {
    return AdminUserPageDto.from(await this.administration.list(email ?? '', limit, cursor));
  }

  @Get(':id')
  @UserRoute()
  @ApiOperation({ summary: 'A user, with its status and session count (admin)' })
  @ApiOkResponse({ type: AdminUserDto })
  async get(@Param('id') userId: string): Promise<AdminUserDto> {
    return AdminUserDto.from(await this.administration.get(userId));
  }

  @Post(':id/disable')
  @HttpCode(HttpStatus.NO_CONTENT)
  @UserRoute()
  @ApiOperation({
    summary: 'Disable a user (admin)',
    description:
      'Every session of the user ends at once, refresh and access tokens alike; a login with the right password then answers 403 `account_disabled`. Disabling a disabled user changes nothing but ending any session it has.',
  })
  @ApiNoContentResponse({ description: 'The user is disabled.' })
  async disable(@Param('id') userId: string, @Client() client: ClientInfo): Promise<void> {
    await this.administration.disable(userId, client);
  }

  @Post(':id/enable')
  @HttpCode(HttpStatus.NO_CONTENT)
  @UserRoute()
  @ApiOperation({
    summary: 'Enable a disabled user (admin)',
    description: 'The user can log in again; enabling an enabled user changes nothing.',
  })
  @ApiNoContentResponse({ description: 'The user is enabled.' })
  async enable(@Param('id') userId: string, @Client() client: ClientInfo): Promise<void> {
    await this.administration.enable(userId, client);
  }

  @Put(':id/roles')
  @UserRoute()
  @ApiOperation({
    summary: "Replace a user's roles (admin)",
    description:
      '`user` is always kept. Access tokens already issued keep their roles until they expire; refreshed ones carry the new roles.',
  })
  @ApiOkResponse({ type: AdminUserDto })
  @ApiProblems(
    ...bodyProblems({
      field: 'roles',
      message:
        'each role must be a lower-case letter followed by up to 31 lower-case letters, digits, _ or -',
    }),
  )
  async setRoles(
    @Param('id') userId: string,
    @Body() { roles }: SetRolesDto,
  ): Promise<AdminUserDto> {
    return AdminUserDto.from(await this.administration.setRoles(userId, roles));
  }

  @Post(':id/password-reset')
  @HttpCode(HttpStatus.ACCEPTED)
  @UserRoute()
  @ApiOperation({
    summary: 'Send a user a password-reset mail (admin)',
    description:
      'A `{ACCOUNT_URL}/reset-password?token=…` link to the address of the user, valid for PASSWORD_RESET_TTL, replacing any earlier one; nothing is sent when a reset mail left less than MAIL_COOLDOWN ago. The password stays until the link is used.',
  })
  @ApiAcceptedResponse({ type: AcceptedDto })
  async sendPasswordReset(
    @Param('id') userId: string,
    @Client() client: ClientInfo,
  ): Promise<AcceptedDto> {
    await this.administration.sendPasswordReset(userId, client);
    return ACCEPTED;
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @UserRoute()
  @ApiOperation({
    summary: 'Delete a user (admin)',
    description:
      'Every token of the account stops working at once; its sessions, links and security events are deleted (one `account_deleted` event keeps the user id); the email can register again.',
  })
  @ApiNoContentResponse({ description: 'The account is gone.' })
  async delete(@Param('id') userId: string, @Client() client: ClientInfo): Promise<void> {
    await this.administration.delete(userId, client);
  }

  @Get(':id/sessions')
  @UserRoute()
  @ApiOperation({ summary: "A user's active sessions, newest first (admin)" })
  @ApiOkResponse({ type: [SessionDto] })
  async sessionsOf(@Param('id') userId: string): Promise<SessionDto[]> {
    const sessions = await this.administration.activeSessions(userId);
    return sessions.map((session) => SessionDto.from(session));
  }

  @Post(':id/revoke-sessions')
  @HttpCode(HttpStatus.NO_CONTENT)
  @UserRoute()
  @ApiOperation({
    summary: 'End every session of a user (admin)',
    description: 'Refresh and access tokens stop working at once; the user must log in again.',
  })
  @ApiNoContentResponse({ description: 'All sessions of the user have ended.' })
  async revokeSessions(@Param('id') userId: string, @Client() client: ClientInfo): Promise<void> {
    await this.administration.revokeSessions(userId, client);
  }
}
