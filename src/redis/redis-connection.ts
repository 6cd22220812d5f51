import { Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';

const RECONNECT_MAX_DELAY_MS = 2_000;

/**
 * The Redis that instances share (REDIS_URL): a command connection and a subscriber connection.
 * Both connect when the application initialises (a boot that fails before leaves none open), then
 * reconnect forever on their own: the boot never waits for Redis to be reachable. Commands fail at
 * once while Redis is unreachable instead of queueing, so callers can fall back; availability
 * changes are logged once.
 */
export class RedisConnection implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Redis');
  /** Handlers by prefixed channel name: subscribed again on every (re)connection. */
  private readonly handlers = new Map<string, (message: string) => void>();
  private subscriberReady = false;
  private closing = false;
  private waitingReported = false;

  private constructor(
    readonly commands: Redis,
    private readonly subscriber: Redis,
    /** Prefix for every key and channel name. */
    readonly keyPrefix: string,
  ) {
    this.subscriber.on('ready', () => void this.subscribeAll());
    this.subscriber.on('close', () => this.setSubscriberReady(false));
    this.subscriber.on('message', (channel: string, message: string) =>
      this.handlers.get(channel)?.(message),
    );
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

  static create({ url, keyPrefix }: { url: string; keyPrefix: string }): RedisConnection {
    const options = {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      connectTimeout: 2_000,
      retryStrategy: (attempt: number) => Math.min(attempt * 200, RECONNECT_MAX_DELAY_MS),
    };
    // Commands fail at once while Redis is away. The subscriber subscribes whenever it connects
    // (see subscribeAll), so its SUBSCRIBE never waits in a queue that gives up.
    return new RedisConnection(
      new Redis(url, { ...options, enableOfflineQueue: false }),
      new Redis(url, { ...options, enableOfflineQueue: false, autoResubscribe: false }),
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

  /**
   * Delivers the messages published on `channel` from now on, and after every reconnection.
   * Resolves once subscribed; while Redis is unreachable, at once (`receiving` stays false until
   * the subscription is made).
   */
  async subscribe(channel: string, onMessage: (message: string) => void): Promise<void> {
    const name = this.keyPrefix + channel;
    this.handlers.set(name, onMessage);
    if (this.subscriber.status === 'ready') {
      // If the connection is lost meanwhile, the next 'ready' subscribes again.
      await this.subscriber.subscribe(name).catch(() => undefined);
    }
  }

  async publish(channel: string, message: string): Promise<boolean> {
    try {
      await this.commands.publish(this.keyPrefix + channel, message);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Waits for the first connection attempts only: with Redis up, rate limits are shared from the
   * first request on; with Redis down (refused, or no answer within connectTimeout), the boot goes
   * on and the retry strategy keeps trying. Failures are reported by the 'error' listeners.
   */
  async onModuleInit(): Promise<void> {
    await Promise.allSettled([this.commands.connect(), this.subscriber.connect()]);
  }

  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    // QUIT needs a connection: one that is still retrying (or never started) is just stopped.
    await Promise.allSettled(
      [this.commands, this.subscriber].map(async (redis) => {
        if (redis.status === 'ready') {
          await redis.quit();
        } else {
          redis.disconnect();
        }
      }),
    );
  }

  /** Messages flow once every channel is subscribed on the new connection. */
  private async subscribeAll(): Promise<void> {
    if (this.handlers.size > 0) {
      try {
        await this.subscriber.subscribe(...this.handlers.keys());
      } catch {
        return; // Lost again before the subscription was made: the next 'ready' retries.
      }
    }
    this.setSubscriberReady(true);
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
        'Redis is unreachable: rate limits count per instance, and revocations from other instances arrive through the database (within two seconds) until it is back',
      );
    }
  }
}
