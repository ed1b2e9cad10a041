import { Logger } from '@nestjs/common';
import type { RedisClient } from '../connection/client.factory.js';
import type { RedisConnection } from '../connection/redis-connection.js';
import { BusMessageReader, fitsOneMessage, splitBusMessage, type BusDropReason, type BusMessage } from './bus-message.js';

export type { BusMessage } from './bus-message.js';

export interface BusHandlers {
  message(message: BusMessage): void;
  /** The subscriber is down: invalidations may be missed from now on, so memory is not trusted. */
  lost(): void;
  /** Subscribed (again): memory filled before may hold values invalidated meanwhile. */
  restored(): void;
  /** A received message did not validate and was dropped. */
  dropped?(reason: BusDropReason): void;
}

/**
 * The invalidation bus: Redis pub/sub on one channel. Writes and invalidations are published;
 * every other instance drops the matching memory entries. Keys written within one event-loop
 * turn go out as one message. The subscriber is a second connection (`<connection>:cache-bus`),
 * opened at boot when the cache is configured, else on first use; while it is down the
 * bus reports `healthy = false` (`lost`), and once it is subscribed again (`restored`) memory
 * must be reconciled, because messages sent in between were missed.
 */
export class CacheBus {
  private subscriber?: RedisClient;
  private queued: string[] = [];
  private flushScheduled = false;
  private up = false;
  private stopped = false;
  private opening = false;
  private readonly logger = new Logger('CacheBus');

  constructor(
    private readonly connection: RedisConnection,
    private readonly channel: string,
    readonly instanceId: string,
    private readonly handlers: BusHandlers,
    private readonly budget = connection.commandTimeout,
    /** Written and deleted keys go out on the bus (false: Redis key tracking tells instead). */
    private readonly carriesKeys = true,
  ) {}

  /** True while the subscriber is connected and subscribed. */
  get healthy(): boolean {
    return this.up;
  }

  /** True once the subscriber was opened (at boot or on first use). */
  get started(): boolean {
    return this.subscriber !== undefined || this.opening;
  }

  /**
   * Opens the subscriber and waits until it is subscribed (at boot: the cache is configured).
   * Rejects when Redis does not answer within the connection's connectTimeout.
   */
  async start(): Promise<void> {
    if (this.started || this.stopped) return;
    this.opening = true;
    let sub: RedisClient;
    try {
      sub = await this.connection.duplicate('cache-bus', { enableAutoPipelining: false });
    } finally {
      this.opening = false;
    }
    this.listen(sub);
    await sub.subscribe(this.channel);
    this.markUp();
  }

  /**
   * Opens the subscriber without waiting (first use of a cache not configured at boot). Until
   * it is subscribed the bus is not healthy, so memory is not trusted; ioredis retries while
   * Redis is away and the `ready` handler subscribes.
   */
  startInBackground(): void {
    if (this.started || this.stopped) return;
    let sub: RedisClient;
    try {
      sub = this.connection.open('cache-bus', { enableAutoPipelining: false }).client;
    } catch (e) {
      // The connection is closed (shutdown): the bus stays down.
      this.logger.debug(`not started: ${(e as Error).message}`);
      return;
    }
    this.listen(sub);
  }

  private listen(sub: RedisClient): void {
    this.subscriber = sub;
    sub.on('message', (channel: string, text: string) => {
      if (channel === this.channel && !this.stopped) this.receive(text);
    });
    const down = () => {
      if (!this.up) return;
      this.up = false;
      this.handlers.lost();
    };
    sub.on('close', down);
    sub.on('reconnecting', down);
    sub.on('end', down);
    sub.on('ready', () => {
      if (this.up || this.stopped) return;
      // ioredis resubscribes by itself; subscribing again is harmless and tells us when it is done.
      sub.subscribe(this.channel).then(
        () => this.markUp(),
        () => undefined,
      );
    });
  }

  // Subscribed: from now on every invalidation reaches us. Memory filled before this moment
  // (while the bus was not listening) may hold values invalidated meanwhile, so it is dropped.
  private markUp(): void {
    if (this.up || this.stopped) return;
    this.up = true;
    this.handlers.restored();
  }

  /** Publishes now (invalidations: the caller learns whether it went out), in parts receivers accept. */
  async publish(message: BusMessage): Promise<void> {
    if (!this.carriesKeys && message.k) {
      const { k: _keys, ...rest } = message;
      if (Object.keys(rest).length === 0) return;
      message = rest;
    }
    const at = Date.now();
    await Promise.all(splitBusMessage(message).map((part) => this.connection.run((c) => c.publish(this.channel, this.instanceId + JSON.stringify({ ...part, at })), this.budget)));
  }

  /**
   * Where a script may publish the announcement of these tag invalidations itself (one round
   * trip with the invalidation), or undefined when they need splitting into several messages.
   */
  tagAnnouncement(tags: readonly string[]): { channel: string; sender: string } | undefined {
    const t: Record<string, number> = {};
    for (const tag of tags) t[tag] = 0;
    return fitsOneMessage({ t, s: 0 }) ? { channel: this.channel, sender: this.instanceId } : undefined;
  }

  /** Queues written keys; they go out together at the end of this event-loop turn. */
  queueKeys(keys: string[]): void {
    if (!this.carriesKeys) return;
    for (const k of keys) this.queued.push(k);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      const k = this.queued;
      this.queued = [];
      if (k.length > 0) this.publish({ k }).catch((e: Error) => this.logger.debug(`publish failed: ${e.message}`));
    });
  }

  /**
   * Stops listening. The subscriber connection is the bus's own and closes with the registry
   * right after (QUIT ends its subscription): an UNSUBSCRIBE first only made shutdown wait on
   * a Redis that may be gone (over a second on a cluster whose nodes are down).
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.up = false;
  }

  // Anyone who can PUBLISH on the channel can send anything: only validated messages are used.
  private readonly reader = new BusMessageReader(this.logger, (reason) => this.handlers.dropped?.(reason));

  private receive(text: string): void {
    if (text.startsWith(this.instanceId)) return;
    const message = this.reader.read(text, this.instanceId.length);
    if (message) this.handlers.message(message);
  }
}
