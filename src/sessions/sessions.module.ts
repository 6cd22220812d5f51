import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { AuditModule } from 'src/audit/audit.module';
import { RevocationCache } from 'src/sessions/revocation-cache';
import { SessionRetentionJob } from 'src/sessions/session-retention.job';
import { SessionRevocationsRepository } from 'src/sessions/session-revocations.repository';
import { SessionEntity } from 'src/sessions/session.entity';
import { SessionsController } from 'src/sessions/sessions.controller';
import { SessionsRepository } from 'src/sessions/sessions.repository';
import { SessionsService } from 'src/sessions/sessions.service';

@Module({
  imports: [TypeOrmModule.forFeature([SessionEntity]), AuditModule],
  controllers: [SessionsController],
  providers: [
    SessionsService,
    SessionsRepository,
    SessionRevocationsRepository,
    RevocationCache,
    SessionRetentionJob,
  ],
  exports: [SessionsService],
})
export class SessionsModule {}
