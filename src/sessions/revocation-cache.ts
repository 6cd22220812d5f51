import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';

import { Clock } from 'src/common/clock';
import { InjectConfig } from 'src/config/config.module';
import type { AppConfig } from 'src/config/env.schema';
import { RedisConnection } from 'src/redis/redis-connection';
import { SessionRevocationsRepository } from 'src/sessions/session-revocations.repository';

const PRUNE_INTERVAL_MS = 60_000;
/** Every instance enforces every revocation within two seconds of it, with or without Redis. */
export const POLL_INTERVAL_MS = 1_000;
/**
 * Each poll reads again what was recorded shortly before the last one: a revocation recorded then
 * may have been committed only after that poll read the table.
 */
const POLL_OVERLAP_MS = 5_000;

export const REVOCATIONS_CHANNEL = 'revocations';

interface RevocationMessage {
  ids: string[];
  revokedAt: string;
}

/**
 * The ids of recently revoked sessions, so that the access guard refuses their access tokens at
 * once without a database query. An id is kept as long as an access token issued before the
 * revocation can still be valid: ACCESS_TOKEN_TTL plus the allowed clock skew.
 *
 * It learns of revocations three ways: those of this instance when they are made; those of the
 * others through Redis pub/sub, within milliseconds, when Redis is configured and reachable; and all
 * of them from the `session_revocations` table (which database triggers fill whenever a session is
 * revoked or deleted), read at boot and then every second. That poll is what guarantees the two
 * seconds, whatever Redis does: it also covers an instance that could not publish.
 */
@Injectable()
export class RevocationCache implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RevocationCache.name);
  private readonly forgetAfter = new Map<string, number>();
  private readonly retentionMs: number;
  private readonly timers: NodeJS.Timeout[] = [];
  /** The database's time of the last successful poll. */
  private polledAt?: Date;
  private polling = false;
  private pollFailing = false;

  constructor(
    private readonly revocations: SessionRevocationsRepository,
    private readonly clock: Clock,
    @InjectConfig() config: AppConfig,
    @Optional() @Inject(RedisConnection) private readonly redis: RedisConnection | null,
  ) {
    this.retentionMs = (config.tokens.accessTokenTtl + config.tokens.clockSkew) * 1000;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.redis) {
      await this.redis.subscribe(REVOCATIONS_CHANNEL, (message) => this.receive(message));
    }
    await this.poll();
    this.timers.push(
      setInterval(() => void this.poll(), POLL_INTERVAL_MS).unref(),
      setInterval(() => this.prune(), PRUNE_INTERVAL_MS).unref(),
    );
  }

  onApplicationShutdown(): void {
    this.timers.forEach(clearInterval);
  }

  /** Records revocations made by this instance, and tells the others. */
  add(sessionIds: string[], revokedAt: Date): void {
    if (sessionIds.length === 0) {
      return;
    }
    this.remember(sessionIds, revokedAt.getTime());
    const message: RevocationMessage = { ids: sessionIds, revokedAt: revokedAt.toISOString() };
    void this.redis?.publish(REVOCATIONS_CHANNEL, JSON.stringify(message));
  }

  /** On the path of every authenticated request: a memory lookup. */
  isRevoked(sessionId: string): boolean {
    return this.forgetAfter.has(sessionId);
  }

  /** Reads what was recorded since the last poll (at boot: within the retention). */
  private async poll(): Promise<void> {
    if (this.polling) {
      return;
    }
    this.polling = true;
    try {
      const since = this.polledAt
        ? new Date(this.polledAt.getTime() - POLL_OVERLAP_MS)
        : new Date(this.clock.now().getTime() - this.retentionMs);
      const { now, revocations } = await this.revocations.recordedSince(since);
      for (const { sessionId, revokedAt } of revocations) {
        this.remember([sessionId], revokedAt.getTime());
      }
      this.polledAt = now;
      if (this.pollFailing) {
        this.pollFailing = false;
        this.logger.log('Reading revocations from the database works again');
      }
    } catch (error) {
      if (!this.pollFailing) {
        this.pollFailing = true;
        this.logger.warn(
          `Could not read revocations from the database (${(error as Error).message}); retrying every second`,
        );
      }
    } finally {
      this.polling = false;
    }
  }

  private receive(raw: string): void {
    try {
      const { ids, revokedAt } = JSON.parse(raw) as RevocationMessage;
      this.remember(ids, Date.parse(revokedAt));
    } catch {
      this.logger.warn('Ignored a malformed revocation message');
    }
  }

  private remember(sessionIds: string[], revokedAtMs: number): void {
    for (const id of sessionIds) {
      this.forgetAfter.set(id, revokedAtMs + this.retentionMs);
    }
  }

  private prune(): void {
    const now = this.clock.now().getTime();
    for (const [id, forgetAfter] of this.forgetAfter) {
      if (forgetAfter < now) {
        this.forgetAfter.delete(id);
      }
    }
  }
}
