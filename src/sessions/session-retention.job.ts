import { Injectable, Logger } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';

import { Clock } from 'src/common/clock';
import { InjectConfig } from 'src/config/config.module';
import type { AppConfig } from 'src/config/env.schema';
import { SessionsRepository } from 'src/sessions/sessions.repository';

const BATCH_SIZE = 1_000;

/**
 * Deletes sessions that ended (revoked or expired) more than SESSION_RETENTION ago, in batches so
 * that no statement holds many row locks. Every instance runs it; the deletes are idempotent.
 */
@Injectable()
export class SessionRetentionJob {
  private readonly logger = new Logger(SessionRetentionJob.name);
  private readonly retentionMs: number;

  constructor(
    private readonly sessions: SessionsRepository,
    private readonly clock: Clock,
    @InjectConfig() config: AppConfig,
  ) {
    this.retentionMs = config.retention.sessions * 1000;
  }

  @Cron(CronExpression.EVERY_HOUR, { name: 'session-retention' })
  async runScheduled(): Promise<void> {
    try {
      await this.run();
    } catch (error) {
      this.logger.error(error, 'Deleting ended sessions failed; the next run tries again');
    }
  }

  /** Returns how many sessions were deleted. */
  async run(): Promise<number> {
    const cutoff = new Date(this.clock.now().getTime() - this.retentionMs);
    let total = 0;
    let deleted: number;
    do {
      deleted = await this.sessions.deleteEndedBefore(cutoff, BATCH_SIZE);
      total += deleted;
    } while (deleted === BATCH_SIZE);
    if (total > 0) {
      this.logger.log(`Deleted ${total} sessions that ended before ${cutoff.toISOString()}`);
    }
    return total;
  }
}
