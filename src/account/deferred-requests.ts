import { Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';

/** Requests waiting at most; beyond, new ones are dropped (and logged), never queued unboundedly. */
const MAX_PENDING = 256;

/**
 * Work a request starts but does not wait for, so that its answer and its timing cannot depend on
 * what the work finds (forgot-password: whether the address has an account, its cooldown, SMTP).
 * Shutdown waits for what is running.
 */
@Injectable()
export class DeferredRequests implements BeforeApplicationShutdown {
  private readonly logger = new Logger(DeferredRequests.name);
  private readonly pending = new Set<Promise<void>>();

  run(name: string, work: () => Promise<void>): void {
    if (this.pending.size >= MAX_PENDING) {
      this.logger.warn(`${MAX_PENDING} ${name} requests are already waiting; this one was dropped`);
      return;
    }
    const running: Promise<void> = work()
      .catch((error: unknown) => this.logger.error(error, `A ${name} request failed`))
      .finally(() => this.pending.delete(running));
    this.pending.add(running);
  }

  /** Resolves once everything started so far has finished. */
  async settled(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.settled();
  }
}
