import { Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';

import { Clock } from 'src/common/clock';
import { deleteInBatches } from 'src/database/batches';
import { MailOutboxRepository, type ClaimedMail } from 'src/mail/mail-outbox.repository';
import { MailTransport } from 'src/mail/mail-transport';

const POLL_INTERVAL_MS = 1_000;
const BATCH_SIZE = 10;
/** Longer than a send can take (nodemailer's timeouts): a claimed message is never sent twice. */
const LEASE_SECONDS = 120;
const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
/** Sent and failed messages are kept this long (without their bodies), then deleted. */
export const FINISHED_MAIL_RETENTION_MS = 30 * 24 * HOUR;

/**
 * When a message that failed `attempts` times, `age` after it was queued, is tried again, or
 * undefined to give up. For its first 15 minutes at most 20 s apart (so mail queued during an SMTP
 * outage leaves within 30 s of the server's return); then twice as far apart every 15 minutes, up to
 * an hour; after 24 hours it is kept as failed.
 */
export function retryDelayMs(attempts: number, ageMs: number): number | undefined {
  if (ageMs >= 24 * HOUR) {
    return undefined;
  }
  if (ageMs < 15 * MINUTE) {
    return Math.min(20 * SECOND, SECOND * 2 ** Math.max(0, attempts - 1));
  }
  const quarters = Math.floor((ageMs - 15 * MINUTE) / (15 * MINUTE));
  return Math.min(HOUR, 40 * SECOND * 2 ** quarters);
}

/** What a failure is recorded as: the transport's message, without anything that follows a newline. */
function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0].slice(0, 500);
}

/**
 * Delivers the outbox, on every instance (`createApp` starts it): each second it claims due
 * messages that no other worker holds, sends them one by one, and records the outcome. Shutdown
 * waits for the batch in hand.
 */
@Injectable()
export class MailWorker implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Mail');
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private lastCleanup = 0;
  private failing = false;

  constructor(
    private readonly outbox: MailOutboxRepository,
    private readonly transport: MailTransport,
    private readonly clock: Clock,
    private readonly logLinks: boolean,
  ) {}

  /** Polls the outbox each second until shutdown. */
  start(): void {
    this.timer ??= setInterval(() => void this.tick(), POLL_INTERVAL_MS).unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
    this.transport.close();
  }

  /** Sends what is due now; one pass at a time per instance. */
  tick(): Promise<void> {
    return (this.running ??= this.deliverDue()
      .then(() => {
        this.failing = false;
      })
      .catch((error: unknown) => {
        // Once per outage (the database's own log says when it is back), not once a second.
        if (!this.failing) {
          this.logger.error(`Delivering mail failed (${describe(error)}); retrying each second`);
        }
        this.failing = true;
      })
      .finally(() => (this.running = undefined)));
  }

  private async deliverDue(): Promise<void> {
    await this.cleanUp();
    for (;;) {
      const now = this.clock.now();
      const leaseUntil = new Date(now.getTime() + LEASE_SECONDS * SECOND);
      const batch = await this.outbox.claimDue(now, leaseUntil, BATCH_SIZE);
      for (const mail of batch) {
        await this.deliver(mail);
      }
      if (batch.length < BATCH_SIZE) {
        return;
      }
    }
  }

  private async deliver(mail: ClaimedMail): Promise<void> {
    try {
      const delivery = await this.transport.send({ ...mail, to: mail.recipient });
      await this.outbox.markSent(mail.id, this.clock.now());
      if (delivery.kind === 'file') {
        const link = this.logLinks ? /https?:\/\/\S+token=[\w-]+/.exec(mail.text)?.[0] : undefined;
        this.logger.log(
          `Mail ${mail.id} (${mail.template}) written to ${delivery.path}${link ? `; its link: ${link}` : ''}`,
        );
      } else {
        this.logger.log(`Mail ${mail.id} (${mail.template}) sent`);
      }
    } catch (error) {
      const reason = describe(error);
      const now = this.clock.now();
      const delay = retryDelayMs(mail.attempts, now.getTime() - mail.createdAt.getTime());
      if (delay === undefined) {
        await this.outbox.markFailed(mail.id, reason);
        this.logger.error(
          `Mail ${mail.id} (${mail.template}) failed for 24 hours and was given up: ${reason}`,
        );
        return;
      }
      await this.outbox.reschedule(mail.id, new Date(now.getTime() + delay), reason);
      this.logger.warn(
        `Mail ${mail.id} (${mail.template}) not sent (attempt ${mail.attempts}: ${reason}); next try in ${Math.round(delay / SECOND)} s`,
      );
    }
  }

  /** Hourly: deletes sent and failed messages older than the retention, in batches. */
  private async cleanUp(): Promise<void> {
    const now = this.clock.now().getTime();
    if (now - this.lastCleanup < HOUR) {
      return;
    }
    this.lastCleanup = now;
    const cutoff = new Date(now - FINISHED_MAIL_RETENTION_MS);
    await deleteInBatches((limit) => this.outbox.deleteFinishedBefore(cutoff, limit));
  }
}
