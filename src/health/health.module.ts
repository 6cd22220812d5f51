import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';

import { HealthController } from 'src/health/health.controller';

@Module({
  // Not a line per failed probe: the database and Redis connections log when they go down and
  // when they come back.
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
})
export class HealthModule {}
