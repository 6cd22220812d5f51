import { Body, Controller, HttpCode, HttpStatus, Post, Res, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiCookieAuth,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';

import {
  CsrfRejectedError,
  InvalidRefreshTokenError,
  RefreshTokenReusedError,
  SessionExpiredError,
  SessionRevokedError,
} from 'src/auth/auth.errors';
import { CurrentRefreshToken } from 'src/auth/decorators/current-refresh-token.decorator';
import { Public } from 'src/auth/decorators/public.decorator';
import { RefreshDto } from 'src/auth/dto/credentials.dto';
import { TokenResponseDto } from 'src/auth/dto/token-response.dto';
import { JwtRefreshGuard } from 'src/auth/guards/jwt-refresh.guard';
import { RefreshService } from 'src/auth/refresh.service';
import { SignOutService } from 'src/auth/sign-out.service';
import type { RefreshTokenClaims } from 'src/auth/strategies/jwt-refresh.strategy';
import { TokenTransport } from 'src/auth/token-transport';
import { AllowUnverifiedEmail } from 'src/common/unverified-email.decorator';
import { Client, type ClientInfo } from 'src/common/client-info.decorator';
import { CurrentUser, type AuthenticatedUser } from 'src/common/current-user.decorator';
import {
  ACCESS_TOKEN_SCHEME,
  ApiProblems,
  bodyProblems,
  CLEAR_REFRESH_COOKIE,
  NOT_JSON,
  SERVICE_PROBLEMS,
  REFRESH_COOKIE_SCHEME,
  UNAUTHENTICATED_PROBLEMS,
} from 'src/common/openapi';
import { RateLimit } from 'src/rate-limit/rate-limit.decorator';
import { SessionsService } from 'src/sessions/sessions.service';

/** The cookie example comes first, so Swagger UI sends an empty body and the browser the cookie. */
const REFRESH_BODY_EXAMPLES = {
  cookie: { summary: 'Use the refresh_token cookie (browsers, Swagger UI)', value: {} },
  body: {
    summary: 'Send the refresh token in the body',
    value: { refreshToken: '<refresh token>' },
  },
};

const REFRESH_PROBLEMS = [
  new InvalidRefreshTokenError(),
  new SessionExpiredError(),
  new SessionRevokedError(),
  new RefreshTokenReusedError(),
  new CsrfRejectedError(),
];

/** What follows a sign-in: refreshing its tokens, and ending its session or all of them. */
@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly refreshes: RefreshService,
    private readonly sessions: SessionsService,
    private readonly signOut: SignOutService,
    private readonly transport: TokenTransport,
  ) {}

  @Public()
  @RateLimit('refresh')
  @UseGuards(JwtRefreshGuard)
  @Post('refresh')
  @HttpCode(HttpStatus.OK)
  @ApiCookieAuth(REFRESH_COOKIE_SCHEME)
  @ApiOperation({
    summary: 'Exchange a refresh token for new tokens',
    description:
      'Send the refresh token in the `refresh_token` cookie or as `refreshToken` in the body; the answer uses the same transport. Each refresh rotates the refresh token. Concurrent refreshes with one token within the grace window all receive the same new token; reuse of an older token revokes the session.',
  })
  @ApiBody({ type: RefreshDto, required: false, examples: REFRESH_BODY_EXAMPLES })
  @ApiOkResponse({
    type: TokenResponseDto,
    headers: {
      'Set-Cookie': {
        description:
          'When the refresh token came in the cookie: the next one, `refresh_token=…; Max-Age=…; Path=/auth; HttpOnly; Secure; SameSite=Strict`.',
        schema: { type: 'string' },
      },
    },
  })
  @ApiProblems(...REFRESH_PROBLEMS, ...bodyProblems(NOT_JSON), ...SERVICE_PROBLEMS)
  async refresh(
    @CurrentRefreshToken() token: RefreshTokenClaims,
    @Body() _body: RefreshDto,
    @Client() client: ClientInfo,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TokenResponseDto> {
    return this.transport.deliver(
      reply,
      await this.refreshes.refresh(token, client),
      token.transport,
    );
  }

  @Public()
  @UseGuards(JwtRefreshGuard)
  @Post('logout')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiCookieAuth(REFRESH_COOKIE_SCHEME)
  @ApiOperation({
    summary: 'End the session of a refresh token',
    description: 'Its refresh and access tokens stop working at once. The cookie is cleared.',
  })
  @ApiBody({ type: RefreshDto, required: false, examples: REFRESH_BODY_EXAMPLES })
  @ApiNoContentResponse({ description: 'The session has ended.', headers: CLEAR_REFRESH_COOKIE })
  @ApiProblems(
    new InvalidRefreshTokenError(),
    new CsrfRejectedError(),
    ...bodyProblems(NOT_JSON),
    ...SERVICE_PROBLEMS,
  )
  async logout(
    @CurrentRefreshToken() token: RefreshTokenClaims,
    @Body() _body: RefreshDto,
    @Client() client: ClientInfo,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    await this.sessions.logout(token.sessionId, token.userId, client);
    this.transport.clear(reply);
  }

  @Post('logout-all')
  @AllowUnverifiedEmail()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiBearerAuth(ACCESS_TOKEN_SCHEME)
  @ApiOperation({ summary: 'End every session of the signed-in user, this one included' })
  @ApiNoContentResponse({
    description: 'All sessions have ended; the refresh cookie is cleared.',
    headers: CLEAR_REFRESH_COOKIE,
  })
  @ApiProblems(...UNAUTHENTICATED_PROBLEMS, ...SERVICE_PROBLEMS)
  async logoutAll(
    @CurrentUser() user: AuthenticatedUser,
    @Client() client: ClientInfo,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    await this.signOut.logoutAll(user, client);
    this.transport.clear(reply);
  }
}
