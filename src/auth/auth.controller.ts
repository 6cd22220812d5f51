import {
  Body,
  Controller,
  Header,
  HttpCode,
  HttpStatus,
  Post,
  Res,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiCookieAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';

import {
  CsrfRejectedError,
  InvalidCredentialsError,
  InvalidRefreshTokenError,
  RefreshTokenReusedError,
  SessionExpiredError,
  SessionRevokedError,
} from 'src/auth/auth.errors';
import { AuthService } from 'src/auth/auth.service';
import { CurrentRefreshToken } from 'src/auth/decorators/current-refresh-token.decorator';
import { Public } from 'src/auth/decorators/public.decorator';
import { LoginDto, RefreshDto, RegisterDto } from 'src/auth/dto/credentials.dto';
import { TokenResponseDto } from 'src/auth/dto/token-response.dto';
import { JwtRefreshGuard } from 'src/auth/guards/jwt-refresh.guard';
import { RefreshTokenDelivery } from 'src/auth/refresh-token-delivery';
import type { RefreshTokenClaims } from 'src/auth/strategies/jwt-refresh.strategy';
import { Client, type ClientInfo } from 'src/common/client-info.decorator';
import { CurrentUser, type AuthenticatedUser } from 'src/common/current-user.decorator';
import {
  ACCESS_TOKEN_SCHEME,
  ApiProblems,
  bodyProblems,
  CLEAR_REFRESH_COOKIE,
  NOT_JSON,
  SERVICE_PROBLEMS,
  SET_REFRESH_COOKIE,
  REFRESH_COOKIE_SCHEME,
  UNAUTHENTICATED_PROBLEMS,
} from 'src/common/openapi';
import { RateLimit } from 'src/rate-limit/rate-limit.decorator';
import { EmailTakenError } from 'src/users/users.errors';

/** The cookie example comes first, so Swagger UI sends an empty body and the browser the cookie. */
const REFRESH_BODY_EXAMPLES = {
  cookie: { summary: 'Use the refresh_token cookie (browsers, Swagger UI)', value: {} },
  body: {
    summary: 'Send the refresh token in the body',
    value: { refreshToken: '<refresh token>' },
  },
};

const EMAIL_PROBLEMS = bodyProblems({ field: 'email', message: 'email must be an email address' });

const REFRESH_PROBLEMS = [
  new InvalidRefreshTokenError(),
  new SessionExpiredError(),
  new SessionRevokedError(),
  new RefreshTokenReusedError(),
  new CsrfRejectedError(),
];

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly delivery: RefreshTokenDelivery,
  ) {}

  @Public()
  @RateLimit('login')
  @Post('register')
  @Header('Cache-Control', 'no-store')
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({
    summary: 'Create an account and log in',
    description: 'Starts a session like a login. The response includes the new user.',
  })
  @ApiCreatedResponse({ type: TokenResponseDto, headers: SET_REFRESH_COOKIE })
  @ApiProblems(new EmailTakenError(), ...EMAIL_PROBLEMS, ...SERVICE_PROBLEMS)
  async register(
    @Body() { transport, ...registration }: RegisterDto,
    @Client() client: ClientInfo,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TokenResponseDto> {
    return this.delivery.deliver(reply, await this.auth.register(registration, client), transport);
  }

  @Public()
  @RateLimit('login')
  @Post('login')
  @Header('Cache-Control', 'no-store')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Log in with email and password',
    description:
      'Starts a session. By default the refresh token is set as an HttpOnly cookie scoped to /auth; with `transport: "body"` it is returned in the body instead.',
  })
  @ApiOkResponse({ type: TokenResponseDto, headers: SET_REFRESH_COOKIE })
  @ApiProblems(new InvalidCredentialsError(), ...EMAIL_PROBLEMS, ...SERVICE_PROBLEMS)
  async login(
    @Body() { email, password, transport }: LoginDto,
    @Client() client: ClientInfo,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TokenResponseDto> {
    return this.delivery.deliver(reply, await this.auth.login(email, password, client), transport);
  }

  @Public()
  @RateLimit('refresh')
  @UseGuards(JwtRefreshGuard)
  @Post('refresh')
  @Header('Cache-Control', 'no-store')
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
    return this.delivery.deliver(reply, await this.auth.refresh(token, client), token.transport);
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
    await this.auth.logout(token, client);
    this.delivery.clear(reply);
  }

  @Post('logout-all')
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
    await this.auth.logoutAll(user, client);
    this.delivery.clear(reply);
  }
}
