import { randomInt } from 'node:crypto';

import { Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';

/** Requests waiting at most; beyond, new ones are dropped (and logged), never queued unboundedly. */
const MAX_PENDING = 256;
/** The work starts this long after its request, at random, so its cost lands on no request in particular. */
const DELAY_MS = { min: 50, max: 1_000 };

/**
 * Work a request starts but does not wait for, so that its answer and its timing cannot depend on
 * what the work finds (forgot-password: whether the address has an account, its cooldown, SMTP).
 * The work also starts at a random moment up to a second later: run at once, its load would slow
 * the next request on this instance, and so tell that request's sender about this one. Shutdown
 * starts what is waiting and waits for all of it.
 */
@Injectable()
export class DeferredRequests implements BeforeApplicationShutdown {
  private readonly logger = new Logger(DeferredRequests.name);
  private readonly pending = new Set<Promise<void>>();
  private readonly waiting = new Map<NodeJS.Timeout, () => void>();

  run(name: string, work: () => Promise<void>): void {
    if (this.pending.size >= MAX_PENDING) {
      this.logger.warn(`${MAX_PENDING} ${name} requests are already waiting; this one was dropped`);
      return;
    }
    const running: Promise<void> = this.later()
      .then(work)
      .catch((error: unknown) => this.logger.error(error, `A ${name} request failed`))
      .finally(() => this.pending.delete(running));
    this.pending.add(running);
  }

  /** Resolves once everything started so far has finished. */
  async settled(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  beforeApplicationShutdown(): Promise<void> {
    for (const [timer, start] of this.waiting) {
      clearTimeout(timer);
      start();
    }
    this.waiting.clear();
    return this.settled();
  }

  private later(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(
        () => {
          this.waiting.delete(timer);
          resolve();
        },
        randomInt(DELAY_MS.min, DELAY_MS.max + 1),
      );
      this.waiting.set(timer, resolve);
    });
  }
}
