import { Controller, Get, Inject, Optional, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckService,
  TypeOrmHealthIndicator,
  type HealthCheckResult,
  type HealthIndicatorResult,
} from '@nestjs/terminus';
import { SkipThrottle } from '@nestjs/throttler';

import { Public } from 'src/auth/decorators/public.decorator';
import { ServiceUnavailableError } from 'src/common/app-error';
import { ApiProblems } from 'src/common/openapi';
import { RedisConnection } from 'src/redis/redis-connection';

const DATABASE_PING_TIMEOUT_MS = 2_000;

@ApiTags('health')
@Public()
@SkipThrottle({ global: true })
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    @Optional() @Inject(RedisConnection) private readonly redis: RedisConnection | null,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'The process is up' })
  @ApiOkResponse({ schema: { example: { status: 'ok' } } })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck({ swaggerDocumentation: false })
  @ApiOperation({
    summary: 'The instance can serve requests',
    description:
      'Not ready (503) without the database. Redis is reported but does not make the instance unready: without it, Warden keeps serving with per-instance rate limits and revocations read from the database, and every instance would otherwise be taken out at once.',
  })
  @ApiOkResponse({
    schema: {
      example: {
        status: 'ok',
        info: { database: { status: 'up' } },
        error: {},
        details: { database: { status: 'up' }, redis: { status: 'up' } },
      },
    },
  })
  @ApiProblems(new ServiceUnavailableError())
  async ready(): Promise<HealthCheckResult> {
    const redis = this.redisStatus();
    try {
      const result = await this.health.check([() => this.databaseStatus()]);
      return { ...result, details: { ...result.details, ...redis } };
    } catch (error) {
      if (error instanceof ServiceUnavailableException) {
        const result = error.getResponse() as HealthCheckResult;
        throw new ServiceUnavailableException({
          ...result,
          details: { ...result.details, ...redis },
        });
      }
      throw error;
    }
  }

  /** Up or down, never why: the driver's message names hosts and ports. */
  private async databaseStatus(): Promise<HealthIndicatorResult<'database'>> {
    const { database } = await this.database.pingCheck('database', {
      timeout: DATABASE_PING_TIMEOUT_MS,
    });
    return { database: { status: database.status } };
  }

  private redisStatus(): HealthIndicatorResult {
    if (!this.redis) {
      return {};
    }
    return this.redis.available
      ? { redis: { status: 'up' } }
      : {
          redis: {
            status: 'down',
            impact: 'rate limits count per instance; revocations arrive through the database',
          },
        };
  }
}
