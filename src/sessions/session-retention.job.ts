import { Injectable, Logger } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';

import { Clock } from 'src/common/clock';
import { InjectConfig } from 'src/config/config.module';
import type { AppConfig } from 'src/config/env.schema';
import { deleteInBatches } from 'src/database/batches';
import { SessionRevocationsRepository } from 'src/sessions/session-revocations.repository';
import { SessionsRepository } from 'src/sessions/sessions.repository';

/** A revocation is recorded as long as an access token of its session could still be valid, and then some. */
const REVOCATION_RECORD_MARGIN_MS = 3600 * 1000;

/**
 * Deletes sessions that ended (revoked or expired) more than SESSION_RETENTION ago, and the records
 * of revocations that no access token can outlive any more, in batches so that no statement holds
 * many row locks. Every instance runs it; the deletes are idempotent.
 */
@Injectable()
export class SessionRetentionJob {
  private readonly logger = new Logger(SessionRetentionJob.name);
  private readonly retentionMs: number;
  private readonly revocationRecordMs: number;

  constructor(
    private readonly sessions: SessionsRepository,
    private readonly revocations: SessionRevocationsRepository,
    private readonly clock: Clock,
    @InjectConfig() config: AppConfig,
  ) {
    this.retentionMs = config.retention.sessions * 1000;
    this.revocationRecordMs =
      (config.tokens.accessTokenTtl + config.tokens.clockSkew) * 1000 + REVOCATION_RECORD_MARGIN_MS;
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
    const now = this.clock.now().getTime();
    const cutoff = new Date(now - this.retentionMs);
    const total = await deleteInBatches((limit) => this.sessions.deleteEndedBefore(cutoff, limit));
    if (total > 0) {
      this.logger.log(`Deleted ${total} sessions that ended before ${cutoff.toISOString()}`);
    }
    const recordCutoff = new Date(now - this.revocationRecordMs);
    await deleteInBatches((limit) => this.revocations.deleteRecordedBefore(recordCutoff, limit));
    return total;
  }
}
