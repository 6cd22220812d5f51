import {
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';

import { Clock } from 'src/common/clock';
import { InjectConfig } from 'src/config/config.module';
import type { AppConfig } from 'src/config/env.schema';
import { SessionsRepository } from 'src/sessions/sessions.repository';

const PRUNE_INTERVAL_MS = 60_000;

/**
 * The ids of recently revoked sessions, so that the access guard refuses their access tokens at
 * once without a database query. An id is kept as long as an access token issued before the
 * revocation can still be valid: ACCESS_TOKEN_TTL plus the allowed clock skew.
 */
@Injectable()
export class RevocationCache implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly forgetAfter = new Map<string, number>();
  private readonly retentionMs: number;
  private pruneTimer?: NodeJS.Timeout;

  constructor(
    private readonly sessions: SessionsRepository,
    private readonly clock: Clock,
    @InjectConfig() config: AppConfig,
  ) {
    this.retentionMs = (config.tokens.accessTokenTtl + config.tokens.clockSkew) * 1000;
  }

  async onApplicationBootstrap(): Promise<void> {
    const since = new Date(this.clock.now().getTime() - this.retentionMs);
    for (const { id, revokedAt } of await this.sessions.findRevokedSince(since)) {
      this.forgetAfter.set(id, revokedAt.getTime() + this.retentionMs);
    }
    this.pruneTimer = setInterval(() => this.prune(), PRUNE_INTERVAL_MS).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.pruneTimer);
  }

  add(sessionIds: string[], revokedAt: Date): void {
    for (const id of sessionIds) {
      this.forgetAfter.set(id, revokedAt.getTime() + this.retentionMs);
    }
  }

  has(sessionId: string): boolean {
    return this.forgetAfter.has(sessionId);
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
