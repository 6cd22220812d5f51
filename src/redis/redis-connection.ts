import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';

const RECONNECT_MAX_DELAY_MS = 2_000;

type AvailabilityListener = (available: boolean) => void;

/**
 * The Redis that instances share (REDIS_URL): a command connection and a subscriber connection.
 * Both reconnect forever on their own. Commands fail at once while Redis is unreachable instead
 * of queueing, so callers can fall back; availability changes are logged once and announced to
 * listeners.
 */
export class RedisConnection implements OnApplicationShutdown {
  private readonly logger = new Logger('Redis');
  private readonly listeners: AvailabilityListener[] = [];
  private subscriberReady = false;
  private closing = false;
  private waitingReported = false;

  private constructor(
    readonly commands: Redis,
    private readonly subscriber: Redis,
    /** Prefix for every key and channel name. */
    readonly keyPrefix: string,
  ) {
    this.subscriber.on('ready', () => this.setSubscriberReady(true));
    this.subscriber.on('close', () => this.setSubscriberReady(false));
    // Connection errors repeat on every retry: only the first one before any connection, and then
    // the close/ready transitions, are logged.
    this.commands.on('error', () => undefined);
    this.subscriber.on('error', (error: Error) => {
      if (!this.subscriberReady && !this.waitingReported) {
        this.waitingReported = true;
        this.logger.error(`Redis is not reachable yet (${error.message}); retrying`);
      }
    });
  }

  static connect({ url, keyPrefix }: { url: string; keyPrefix: string }): RedisConnection {
    const options = {
      maxRetriesPerRequest: 1,
      connectTimeout: 2_000,
      retryStrategy: (attempt: number) => Math.min(attempt * 200, RECONNECT_MAX_DELAY_MS),
    };
    // Commands fail at once while Redis is away; the subscriber queues its SUBSCRIBE until it
    // first connects, and renews it after every reconnect.
    return new RedisConnection(
      new Redis(url, { ...options, enableOfflineQueue: false }),
      new Redis(url, options),
      keyPrefix,
    );
  }

  /** True while commands can reach Redis. */
  get available(): boolean {
    return this.commands.status === 'ready';
  }

  /** True while published messages reach this instance. */
  get receiving(): boolean {
    return this.subscriberReady;
  }

  /** Called with `true` when messages flow (again), `false` when they stop. */
  onReceivingChange(listener: AvailabilityListener): void {
    this.listeners.push(listener);
  }

  async subscribe(channel: string, onMessage: (message: string) => void): Promise<void> {
    const name = this.keyPrefix + channel;
    this.subscriber.on('message', (received: string, message: string) => {
      if (received === name) {
        onMessage(message);
      }
    });
    await this.subscriber.subscribe(name);
  }

  async publish(channel: string, message: string): Promise<boolean> {
    try {
      await this.commands.publish(this.keyPrefix + channel, message);
      return true;
    } catch {
      return false;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    await Promise.allSettled([this.commands.quit(), this.subscriber.quit()]);
  }

  private setSubscriberReady(ready: boolean): void {
    if (ready === this.subscriberReady || this.closing) {
      return;
    }
    this.subscriberReady = ready;
    this.waitingReported = true;
    if (ready) {
      this.logger.log('Redis is reachable: shared rate limits and revocations are back');
    } else {
      this.logger.error(
        'Redis is unreachable: rate limits count per instance and revocations are checked in the database until it is back',
      );
    }
    for (const listener of this.listeners) {
      listener(ready);
    }
  }
}
