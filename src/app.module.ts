import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { ScheduleModule } from '@nestjs/schedule';

import { AccountModule } from 'src/account/account.module';
import { AdminModule } from 'src/admin/admin.module';
import { AuditModule } from 'src/audit/audit.module';
import { AuthModule } from 'src/auth/auth.module';
import { JwtAccessGuard } from 'src/auth/guards/jwt-access.guard';
import { RolesGuard } from 'src/auth/guards/roles.guard';
import { ClockModule } from 'src/common/clock';
import { ProblemDetailsFilter } from 'src/common/problem-details.filter';
import { createValidationPipe } from 'src/common/validation.pipe';
import { AppConfigModule } from 'src/config/config.module';
import type { AppConfig } from 'src/config/env.schema';
import { DatabaseModule } from 'src/database/database.module';
import { HealthModule } from 'src/health/health.module';
import { RateLimitGuard } from 'src/rate-limit/rate-limit.guard';
import { RateLimitModule } from 'src/rate-limit/rate-limit.module';
import { RedisModule } from 'src/redis/redis.module';
import { SessionsModule } from 'src/sessions/sessions.module';
import { UsersModule } from 'src/users/users.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        ClockModule,
        EventEmitterModule.forRoot({ wildcard: true }),
        ScheduleModule.forRoot(),
        DatabaseModule,
        RedisModule,
        RateLimitModule,
        UsersModule,
        SessionsModule,
        AuditModule,
        AuthModule,
        AccountModule,
        AdminModule,
        HealthModule,
      ],
      providers: [
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
        { provide: APP_PIPE, useFactory: createValidationPipe },
        // Guards run in this order: throttling first, so unauthenticated floods are limited too.
        { provide: APP_GUARD, useClass: RateLimitGuard },
        { provide: APP_GUARD, useClass: JwtAccessGuard },
        { provide: APP_GUARD, useClass: RolesGuard },
      ],
    };
  }
}
