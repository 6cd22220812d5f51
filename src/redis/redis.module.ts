import { Global, Module } from '@nestjs/common';

import { APP_CONFIG } from 'src/config/config.module';
import type { AppConfig } from 'src/config/env.schema';
import { RedisConnection } from 'src/redis/redis-connection';

/** Provides `RedisConnection` when REDIS_URL is set, and `null` when Warden runs on its own. */
@Global()
@Module({
  providers: [
    {
      provide: RedisConnection,
      inject: [APP_CONFIG],
      useFactory: ({ redis }: AppConfig) => (redis ? RedisConnection.create(redis) : null),
    },
  ],
  exports: [RedisConnection],
})
export class RedisModule {}
