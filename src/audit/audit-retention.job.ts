import { Injectable, Logger } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';

import { AuditService } from 'src/audit/audit.service';
import { Clock } from 'src/common/clock';
import { InjectConfig } from 'src/config/config.module';
import type { AppConfig } from 'src/config/env.schema';
import { deleteInBatches } from 'src/database/batches';

/**
 * Deletes security events older than AUDIT_RETENTION, in batches, so that anonymous failed logins
 * cannot grow `auth_events` forever. Every instance runs it; the deletes are idempotent.
 */
@Injectable()
export class AuditRetentionJob {
  private readonly logger = new Logger(AuditRetentionJob.name);
  private readonly retentionMs: number;

  constructor(
    private readonly audit: AuditService,
    private readonly clock: Clock,
    @InjectConfig() config: AppConfig,
  ) {
    this.retentionMs = config.retention.auditEvents * 1000;
  }

  @Cron(CronExpression.EVERY_HOUR, { name: 'audit-retention' })
  async runScheduled(): Promise<void> {
    try {
      await this.run();
    } catch (error) {
      this.logger.error(error, 'Deleting old security events failed; the next run tries again');
    }
  }

  /** Returns how many events were deleted. */
  async run(): Promise<number> {
    const cutoff = new Date(this.clock.now().getTime() - this.retentionMs);
    const total = await deleteInBatches((limit) => this.audit.deleteBefore(cutoff, limit));
    if (total > 0) {
      this.logger.log(`Deleted ${total} security events from before ${cutoff.toISOString()}`);
    }
    return total;
  }
}
