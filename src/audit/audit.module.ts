import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { AuditRetentionJob } from 'src/audit/audit-retention.job';
import { AuditController } from 'src/audit/audit.controller';
import { AuditService } from 'src/audit/audit.service';
import { AuthEventEntity } from 'src/audit/auth-event.entity';

@Module({
  imports: [TypeOrmModule.forFeature([AuthEventEntity])],
  controllers: [AuditController],
  providers: [AuditService, AuditRetentionJob],
  exports: [AuditService],
})
export class AuditModule {}
