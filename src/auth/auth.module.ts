import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';

import { AuditModule } from 'src/audit/audit.module';
import { AuthController } from 'src/auth/auth.controller';
import { AuthService } from 'src/auth/auth.service';
import { JwtRefreshGuard } from 'src/auth/guards/jwt-refresh.guard';
import { JwksController } from 'src/auth/jwks.controller';
import { LoginBackoff } from 'src/auth/login-backoff/login-backoff.service';
import { LoginFailureEntity } from 'src/auth/login-backoff/login-failure.entity';
import { LoginFailuresRepository } from 'src/auth/login-backoff/login-failures.repository';
import { PasswordController } from 'src/auth/password.controller';
import { RefreshTokenDelivery } from 'src/auth/refresh-token-delivery';
import { JwtAccessStrategy } from 'src/auth/strategies/jwt-access.strategy';
import { JwtRefreshStrategy } from 'src/auth/strategies/jwt-refresh.strategy';
import { KeyMaterial } from 'src/auth/tokens/key-material';
import { TokenService } from 'src/auth/tokens/token.service';
import { VerifiedAccessTokens } from 'src/auth/tokens/verified-access-tokens';
import { APP_CONFIG } from 'src/config/config.module';
import type { AppConfig } from 'src/config/env.schema';
import { SessionsModule } from 'src/sessions/sessions.module';
import { UsersModule } from 'src/users/users.module';

@Module({
  imports: [
    PassportModule,
    JwtModule.register({}),
    TypeOrmModule.forFeature([LoginFailureEntity]),
    UsersModule,
    SessionsModule,
    AuditModule,
  ],
  controllers: [AuthController, PasswordController, JwksController],
  providers: [
    {
      provide: KeyMaterial,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => KeyMaterial.load(config),
    },
    AuthService,
    TokenService,
    VerifiedAccessTokens,
    LoginBackoff,
    LoginFailuresRepository,
    RefreshTokenDelivery,
    JwtAccessStrategy,
    JwtRefreshStrategy,
    JwtRefreshGuard,
  ],
  exports: [AuthService, TokenService, VerifiedAccessTokens],
})
export class AuthModule {}
