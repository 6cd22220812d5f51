import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';

import { AccountMailModule } from 'src/account-mail/account-mail.module';
import { AuditModule } from 'src/audit/audit.module';
import { AuthController } from 'src/auth/auth.controller';
import { JwtAccessGuard } from 'src/auth/guards/jwt-access.guard';
import { JwtRefreshGuard } from 'src/auth/guards/jwt-refresh.guard';
import { JwksController } from 'src/auth/jwks.controller';
import { LoginBackoff } from 'src/auth/login-backoff/login-backoff.service';
import { LoginFailuresRepository } from 'src/auth/login-backoff/login-failures.repository';
import { PasswordChangeController } from 'src/auth/password/password-change.controller';
import { PasswordChange } from 'src/auth/password/password-change.service';
import { PasswordCheck } from 'src/auth/password/password-check.service';
import { PasswordSignInController } from 'src/auth/password/password-sign-in.controller';
import { PasswordSignIn } from 'src/auth/password/password-sign-in.service';
import { RefreshService } from 'src/auth/refresh.service';
import { SessionIssuer } from 'src/auth/session-issuer';
import { SignOutService } from 'src/auth/sign-out.service';
import { JwtRefreshStrategy } from 'src/auth/strategies/jwt-refresh.strategy';
import { TokenTransport } from 'src/auth/token-transport';
import { AccessTokenService } from 'src/auth/tokens/access-token.service';
import { KeyMaterial } from 'src/auth/tokens/key-material';
import { TokenService } from 'src/auth/tokens/token.service';
import { VerifiedAccessTokens } from 'src/auth/tokens/verified-access-tokens';
import { APP_CONFIG } from 'src/config/config.module';
import type { AppConfig } from 'src/config/env.schema';
import { RateLimitModule } from 'src/rate-limit/rate-limit.module';
import { SessionsModule } from 'src/sessions/sessions.module';
import { UsersModule } from 'src/users/users.module';

/**
 * The sign-in core: the session issuer every sign-in method ends in, the methods (password), the
 * token lifecycle (refresh, logout), the tokens, and the access-token checks behind the global
 * guard. It composes users, sessions and audit; none of them imports it.
 */
@Module({
  imports: [
    PassportModule,
    JwtModule.register({}),
    UsersModule,
    SessionsModule,
    AuditModule,
    RateLimitModule,
    AccountMailModule,
  ],
  controllers: [PasswordSignInController, AuthController, PasswordChangeController, JwksController],
  providers: [
    {
      provide: KeyMaterial,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => KeyMaterial.load(config),
    },
    TokenService,
    AccessTokenService,
    VerifiedAccessTokens,
    SessionIssuer,
    LoginBackoff,
    LoginFailuresRepository,
    PasswordSignIn,
    PasswordCheck,
    PasswordChange,
    RefreshService,
    SignOutService,
    TokenTransport,
    JwtRefreshStrategy,
    JwtRefreshGuard,
    JwtAccessGuard,
  ],
  exports: [
    AccessTokenService,
    TokenService,
    SessionIssuer,
    JwtAccessGuard,
    PasswordCheck,
    LoginBackoff,
  ],
})
export class AuthModule {}
