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
import { SessionsRepository } from 'src/sessions/sessions.repository';

const PRUNE_INTERVAL_MS = 60_000;
/** With Redis, a sweep of the database catches revocations whose message was lost. */
const RESYNC_INTERVAL_MS = 15_000;
/** Revocation times come from other instances' clocks: look back this much further. */
const CLOCK_MARGIN_MS = 60_000;

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
 * Alone, this process sees every revocation itself. With Redis, each revocation is published and
 * every instance adds it to its own copy; while messages cannot be received the copy is not
 * trusted, and `isRevoked` asks the database, until Redis is back and the copy has been refilled.
 */
@Injectable()
export class RevocationCache implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RevocationCache.name);
  private readonly forgetAfter = new Map<string, number>();
  private readonly retentionMs: number;
  private readonly timers: NodeJS.Timeout[] = [];
  private trusted: boolean;
  private lastSyncedAt = 0;

  constructor(
    private readonly sessions: SessionsRepository,
    private readonly clock: Clock,
    @InjectConfig() config: AppConfig,
    @Optional() @Inject(RedisConnection) private readonly redis: RedisConnection | null,
  ) {
    this.retentionMs = (config.tokens.accessTokenTtl + config.tokens.clockSkew) * 1000;
    this.trusted = !redis;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.syncFromDatabase(this.clock.now().getTime() - this.retentionMs);
    this.timers.push(setInterval(() => this.prune(), PRUNE_INTERVAL_MS).unref());
    if (this.redis) {
      await this.followRedis(this.redis);
    }
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

  /** From memory, unless revocations from other instances may have been missed. */
  async isRevoked(sessionId: string): Promise<boolean> {
    if (this.forgetAfter.has(sessionId)) {
      return true;
    }
    if (this.trusted) {
      return false;
    }
    return (await this.sessions.findState(sessionId))?.revokedAt != null;
  }

  private async followRedis(redis: RedisConnection): Promise<void> {
    redis.onReceivingChange((receiving) => {
      if (receiving) {
        void this.catchUp();
      } else {
        this.trusted = false;
      }
    });
    await redis.subscribe(REVOCATIONS_CHANNEL, (message) => this.receive(message));
    if (redis.receiving) {
      await this.catchUp();
    }
    this.timers.push(setInterval(() => void this.catchUp(), RESYNC_INTERVAL_MS).unref());
  }

  /** Refills the copy with what was revoked while it may have missed messages, then trusts it. */
  private async catchUp(): Promise<void> {
    try {
      await this.syncFromDatabase(this.lastSyncedAt - CLOCK_MARGIN_MS);
      this.trusted = this.redis?.receiving ?? true;
    } catch (error) {
      this.logger.warn(
        `Could not refill the revocation cache from the database: ${(error as Error).message}`,
      );
    }
  }

  private async syncFromDatabase(sinceMs: number): Promise<void> {
    const startedAt = this.clock.now().getTime();
    const floor = startedAt - this.retentionMs;
    for (const { id, revokedAt } of await this.sessions.findRevokedSince(
      new Date(Math.max(sinceMs, floor)),
    )) {
      this.remember([id], revokedAt.getTime());
    }
    this.lastSyncedAt = startedAt;
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
