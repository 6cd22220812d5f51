interface Waiter {
  start: () => void;
  reject: (error: Error) => void;
}

/** What a caller that the queue turns away is told: how long the work ahead should take. */
export class QueueFullError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super('The queue is full');
  }
}

const DURATION_SMOOTHING = 0.2;

/**
 * Runs at most `concurrency` tasks at once; up to `capacity` more wait. Waiting tasks are started
 * round robin across parties (client addresses), so one party's flood delays another party's task
 * by at most one task per busy party. When the queue is full, the party with the most waiting
 * tasks gives up its newest one to a party with fewer, so a flood is shed, not a bystander.
 */
export class FairQueue {
  private running = 0;
  private waitingCount = 0;
  /** Parties in round-robin order, each with its waiting tasks, oldest first. */
  private readonly waiting = new Map<string, Waiter[]>();
  private averageTaskMs = 50;

  constructor(
    private readonly concurrency: number,
    private readonly capacity: number,
  ) {}

  /** Tasks waiting for a slot. */
  get depth(): number {
    return this.waitingCount;
  }

  /**
   * Whether a task of `party` would be taken now (run, or queued, possibly in the place of a
   * heavier party's): lets a caller refuse before it does any work for a task the queue would shed.
   */
  wouldTake(party: string): boolean {
    if (this.running < this.concurrency || this.waitingCount < this.capacity) {
      return true;
    }
    const heaviest = this.heaviestParty();
    return (
      heaviest !== undefined && heaviest[1].length > (this.waiting.get(party)?.length ?? 0) + 1
    );
  }

  /** Refuses, as `run` would, a task that the queue would not take now. */
  assertWouldTake(party: string): void {
    if (!this.wouldTake(party)) {
      throw new QueueFullError(this.retryAfterSeconds());
    }
  }

  async run<T>(party: string, task: () => Promise<T>): Promise<T> {
    if (this.running < this.concurrency && this.waitingCount === 0) {
      this.running += 1;
    } else {
      await this.enqueue(party);
    }
    const startedAt = performance.now();
    try {
      return await task();
    } finally {
      this.averageTaskMs +=
        DURATION_SMOOTHING * (performance.now() - startedAt - this.averageTaskMs);
      this.running -= 1;
      this.startNext();
    }
  }

  private enqueue(party: string): Promise<void> {
    const mine = this.waiting.get(party) ?? [];
    if (this.waitingCount >= this.capacity) {
      const heaviest = this.heaviestParty();
      if (!heaviest || heaviest[1].length <= mine.length + 1) {
        return Promise.reject(new QueueFullError(this.retryAfterSeconds()));
      }
      this.dropNewest(heaviest[0], heaviest[1]);
    }
    return new Promise((resolve, reject) => {
      mine.push({ start: resolve, reject });
      this.waiting.set(party, mine);
      this.waitingCount += 1;
    });
  }

  private startNext(): void {
    const next = this.waiting.entries().next();
    if (next.done) {
      return;
    }
    const [party, waiters] = next.value;
    const waiter = waiters.shift()!;
    // To the back of the round: the other parties go first next time.
    this.waiting.delete(party);
    if (waiters.length > 0) {
      this.waiting.set(party, waiters);
    }
    this.waitingCount -= 1;
    this.running += 1;
    waiter.start();
  }

  private heaviestParty(): [string, Waiter[]] | undefined {
    let heaviest: [string, Waiter[]] | undefined;
    for (const entry of this.waiting) {
      if (!heaviest || entry[1].length > heaviest[1].length) {
        heaviest = entry;
      }
    }
    return heaviest;
  }

  private dropNewest(party: string, waiters: Waiter[]): void {
    const dropped = waiters.pop()!;
    if (waiters.length === 0) {
      this.waiting.delete(party);
    }
    this.waitingCount -= 1;
    dropped.reject(new QueueFullError(this.retryAfterSeconds()));
  }

  private retryAfterSeconds(): number {
    const aheadMs = ((this.waitingCount + this.running) / this.concurrency) * this.averageTaskMs;
    return Math.max(1, Math.ceil(aheadMs / 1000));
  }
}
