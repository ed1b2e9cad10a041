import { Logger } from '@nestjs/common';
import type { RedisClient } from '../connection/client.factory.js';
import type { RedisConnection } from '../connection/redis-connection.js';
import { BusMessageReader, splitBusMessage, type BusDropReason, type BusMessage } from './bus-message.js';

export type { BusMessage } from './bus-message.js';

export interface BusHandlers {
  message(message: BusMessage): void;
  /** Messages may have been missed (subscriber lost, or just back): memory must be dropped. */
  lost(): void;
  /** A received message did not validate and was dropped. */
  dropped?(reason: BusDropReason): void;
}

/**
 * The invalidation bus: Redis pub/sub on one channel. Writes and invalidations are published;
 * every other instance drops the matching memory entries. Keys written within one event-loop
 * turn go out as one message. The subscriber is a second connection; while it is down the
 * bus reports `healthy = false` and, on loss and again once it is back, asks for memory to be
 * dropped, because messages sent in between were missed.
 */
export class CacheBus {
  private subscriber?: RedisClient;
  private queued: string[] = [];
  private flushScheduled = false;
  private up = false;
  private stopped = false;
  private readonly logger = new Logger('CacheBus');

  constructor(
    private readonly connection: RedisConnection,
    private readonly channel: string,
    readonly instanceId: string,
    private readonly handlers: BusHandlers,
  ) {}

  /** True while the subscriber is connected and subscribed. */
  get healthy(): boolean {
    return this.up;
  }

  async start(): Promise<void> {
    const sub = await this.connection.duplicate('cache-bus', { enableAutoPipelining: false });
    this.subscriber = sub;
    sub.on('message', (channel: string, text: string) => {
      if (channel === this.channel) this.receive(text);
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
        () => {
          this.up = true;
          this.handlers.lost();
        },
        () => undefined,
      );
    });
    await sub.subscribe(this.channel);
    this.up = true;
  }

  /** Publishes now (invalidations: the caller learns whether it went out), in parts receivers accept. */
  async publish(message: BusMessage): Promise<void> {
    const at = Date.now();
    await Promise.all(splitBusMessage(message).map((part) => this.connection.run((c) => c.publish(this.channel, this.instanceId + JSON.stringify({ ...part, at })))));
  }

  /** Queues written keys; they go out together at the end of this event-loop turn. */
  queueKeys(keys: string[]): void {
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

  async stop(): Promise<void> {
    this.stopped = true;
    this.up = false;
    const sub = this.subscriber;
    if (sub && sub.status === 'ready') await sub.unsubscribe(this.channel).catch(() => undefined);
  }

  // Anyone who can PUBLISH on the channel can send anything: only validated messages are used.
  private readonly reader = new BusMessageReader(this.logger, (reason) => this.handlers.dropped?.(reason));

  private receive(text: string): void {
    if (text.startsWith(this.instanceId)) return;
    const message = this.reader.read(text, this.instanceId.length);
    if (message) this.handlers.message(message);
  }
}
