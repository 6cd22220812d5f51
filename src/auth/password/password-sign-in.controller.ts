import { Body, Controller, HttpCode, HttpStatus, Post, Req, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { AccountDisabledError, InvalidCredentialsError } from 'src/auth/auth.errors';
import { Public } from 'src/auth/decorators/public.decorator';
import { LoginDto, RegisterDto } from 'src/auth/dto/credentials.dto';
import { TokenResponseDto } from 'src/auth/dto/token-response.dto';
import { PasswordSignIn } from 'src/auth/password/password-sign-in.service';
import { presentedDeviceToken, TokenTransport } from 'src/auth/token-transport';
import { Client, type ClientInfo } from 'src/common/client-info.decorator';
import { ApiProblems, bodyProblems, SERVICE_PROBLEMS, SET_AUTH_COOKIES } from 'src/common/openapi';
import { RateLimit } from 'src/rate-limit/rate-limit.decorator';
import { EmailTakenError } from 'src/users/users.errors';

const EMAIL_PROBLEMS = bodyProblems({ field: 'email', message: 'email must be an email address' });

@ApiTags('auth')
@Public()
@Controller('auth')
export class PasswordSignInController {
  constructor(
    private readonly signIn: PasswordSignIn,
    private readonly transport: TokenTransport,
  ) {}

  @RateLimit('login', 'registerIp')
  @Post('register')
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({
    summary: 'Create an account and log in',
    description:
      'Starts a session like a login, and gives the device a device token. The response includes the new user. A verification mail goes to the address (see EMAIL_VERIFICATION).',
  })
  @ApiCreatedResponse({ type: TokenResponseDto, headers: SET_AUTH_COOKIES })
  @ApiProblems(new EmailTakenError(), ...EMAIL_PROBLEMS, ...SERVICE_PROBLEMS)
  async register(
    @Body() { transport, ...registration }: RegisterDto,
    @Client() client: ClientInfo,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TokenResponseDto> {
    return this.transport.deliver(
      reply,
      await this.signIn.register(registration, client),
      transport,
    );
  }

  @RateLimit('login', 'loginIp')
  @Post('login')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Log in with email and password',
    description:
      'Starts a session. A disabled account answers 403 `account_disabled`, but only to the right password. By default the refresh token is set as an HttpOnly cookie scoped to /auth; with `transport: "body"` it is returned in the body instead. After repeated failures for an account, each next attempt must wait (429 with `Retry-After`), except from a device that presents the device token of an earlier sign-in to the account.',
  })
  @ApiOkResponse({ type: TokenResponseDto, headers: SET_AUTH_COOKIES })
  @ApiProblems(
    new InvalidCredentialsError(),
    new AccountDisabledError(),
    ...EMAIL_PROBLEMS,
    ...SERVICE_PROBLEMS,
  )
  async login(
    @Body() { email, password, transport, deviceToken }: LoginDto,
    @Client() client: ClientInfo,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TokenResponseDto> {
    const device = presentedDeviceToken(request, deviceToken);
    return this.transport.deliver(
      reply,
      await this.signIn.login(email, password, device, client),
      transport,
    );
  }
}
