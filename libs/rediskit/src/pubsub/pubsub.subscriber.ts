import { Logger } from '@nestjs/common';
import type { Codec } from '../codec/codec.js';
import type { RedisClient } from '../connection/client.factory.js';
import { backoffWithJitter } from '../connection/client.factory.js';
import type { RedisConnection } from '../connection/redis-connection.js';
import type { ChannelKind, PubSubChannels } from './pubsub.channels.js';
import { decodeMessages, type Envelope } from './pubsub.envelope.js';
import type { MessageKind, PubSubMetrics } from './pubsub.metrics.js';
import { GapTracker } from './subscriber-gaps.js';

/** Where a message came from, next to its envelope. */
export interface MessageContext {
  /** `channel` for publish, `user` for notifyUser, `broadcast` for broadcast. */
  readonly kind: ChannelKind;
  /** The application channel name (the user id for `user`, `''` for `broadcast`). */
  readonly channel: string;
  /** The application pattern that matched, for `psubscribe` handlers. */
  readonly pattern?: string;
}

/**
 * A message handler. It may be async; a slow or failing handler never delays the others
 * (each is started on its own, errors are logged and counted). Do not mutate the envelope:
 * every handler of a message receives the same object.
 */
export type MessageHandler<T = unknown> = (message: Envelope<T>, context: MessageContext) => unknown;

/** Removes a subscription; the Redis subscription goes when its last handler goes. */
export type Unsubscribe = () => Promise<void>;

/** Options of one subscription. */
export interface SubscribeOptions {
  /** Only messages whose envelope `type` equals this reach the handler. @default every message */
  type?: string;
}

interface Registration {
  handler: MessageHandler<any>;
  type?: string;
  /** The application pattern, for pattern registrations. */
  pattern?: string;
  label: MessageKind;
  suppressedErrors: number;
  lastLoggedAt: number;
}

interface Entry {
  handlers: Set<Registration>;
  ready: Promise<unknown>;
}

type Mode = 'classic' | 'sharded';

/**
 * Owns the dedicated subscriber connection (`connection.duplicate('pubsub')`, opened by the
 * first subscription; concurrent first subscriptions share it): one Redis subscription per
 * channel however many handlers, dispatch to handlers, and gap tracking.
 * Publishing uses the main connection, so it never waits behind subscription traffic.
 *
 * After a reconnect the subscriptions are sent again (by this class on a single server or
 * Sentinel; on a cluster by ioredis' subscribers, which follow the topology); the short
 * reconnect backoff bounds how long after Redis is reachable that happens.
 */
export class PubSubSubscriber {
  private readonly logger = new Logger('PubSub');
  private client?: Promise<RedisClient>;
  private readonly channels = new Map<string, Entry>();
  private readonly patterns = new Map<string, Entry>();
  private readonly gaps: GapTracker;
  private closed = false;
  private lastUndecodableLog = 0;
  readonly mode: Mode;

  constructor(
    private readonly connection: RedisConnection,
    private readonly codec: Codec,
    private readonly names: PubSubChannels,
    private readonly metrics: PubSubMetrics,
    private readonly options: { sharded: boolean; reconnect: { baseDelay: number; maxDelay: number }; budget?: number },
  ) {
    this.mode = options.sharded && connection.isCluster ? 'sharded' : 'classic';
    this.gaps = new GapTracker(metrics, () => this.size);
  }

  /** Subscribes `handler` to a Redis channel. */
  addChannel(redisChannel: string, handler: MessageHandler<any>, label: Exclude<MessageKind, 'pattern'>, options: SubscribeOptions = {}): Promise<Unsubscribe> {
    return this.add(this.channels, redisChannel, { handler, type: options.type, label, suppressedErrors: 0, lastLoggedAt: 0 }, false);
  }

  /** Subscribes `handler` to a Redis pattern (`pattern` is the application's glob, for the context). */
  addPattern(redisPattern: string, pattern: string, handler: MessageHandler<any>, options: SubscribeOptions = {}): Promise<Unsubscribe> {
    return this.add(this.patterns, redisPattern, { handler, type: options.type, pattern, label: 'pattern', suppressedErrors: 0, lastLoggedAt: 0 }, true);
  }

  /** Redis-level subscriptions held now (channels + patterns). */
  get size(): number {
    return this.channels.size + this.patterns.size;
  }

  /** Stops dispatching and forgets every handler (the connection closes with the registry). */
  close(): void {
    this.closed = true;
    this.gaps.close();
    this.channels.clear();
    this.patterns.clear();
  }

  private async add(map: Map<string, Entry>, name: string, registration: Registration, pattern: boolean): Promise<Unsubscribe> {
    let entry = map.get(name);
    if (!entry) {
      const created: Entry = { handlers: new Set(), ready: this.command(pattern ? 'psubscribe' : 'subscribe', name) };
      // A subscription that failed must not stay registered: the next subscribe tries again.
      created.ready.catch(() => map.get(name) === created && map.delete(name));
      map.set(name, (entry = created));
    }
    const current = entry;
    current.handlers.add(registration);
    try {
      await current.ready;
    } catch (error) {
      current.handlers.delete(registration);
      throw error;
    }
    return async () => {
      if (!current.handlers.delete(registration) || current.handlers.size > 0 || map.get(name) !== current) return;
      map.delete(name);
      // Commands on the subscriber run in order, so a SUBSCRIBE sent after this one wins.
      await this.command(pattern ? 'punsubscribe' : 'unsubscribe', name).catch((e: Error) =>
        this.logger.warn(`Could not unsubscribe (Redis will drop it with the connection): ${e.message}`),
      );
    };
  }

  // Within the pubsub budget: a subscriber that is reconnecting is waited for, not queued in.
  private async command(name: 'subscribe' | 'unsubscribe' | 'psubscribe' | 'punsubscribe', channel: string): Promise<unknown> {
    const subscriber = await this.subscriberClient();
    return this.connection.call(subscriber, this.options.budget ?? this.connection.commandTimeout, (client) => {
      if (this.mode === 'sharded') {
        if (name === 'subscribe') return client.ssubscribe(channel);
        if (name === 'unsubscribe') return client.sunsubscribe(channel);
      }
      return client[name](channel);
    });
  }

  private subscriberClient(): Promise<RedisClient> {
    if (!this.client) {
      const pending = this.connect();
      pending.catch(() => this.client === pending && (this.client = undefined));
      this.client = pending;
    }
    return this.client;
  }

  private async connect(): Promise<RedisClient> {
    const { baseDelay, maxDelay } = this.options.reconnect;
    const client = await this.connection.duplicate(
      'pubsub',
      // Resubscribing is ours (see resubscribe); on a cluster ioredis' subscribers do it.
      { enableAutoPipelining: false, autoResubscribe: false },
      undefined, // the connection's connectTimeout
      { reconnect: { baseDelay, maxDelay }, ...(this.mode === 'sharded' ? { cluster: { shardedSubscribers: true } } : {}) },
    );
    const onMessage = (channel: Buffer, message: Buffer) => {
      const name = channel.toString();
      this.deliver(this.channels.get(name), name, message);
    };
    client.on('messageBuffer', onMessage);
    client.on('smessageBuffer', onMessage);
    client.on('pmessageBuffer', (pattern: Buffer, channel: Buffer, message: Buffer) =>
      this.deliver(this.patterns.get(pattern.toString()), channel.toString(), message),
    );
    this.gaps.watch(client, this.mode === 'sharded', () => this.resubscribe(client));
    return client;
  }

  /**
   * After a reconnect of a single-server / Sentinel subscriber: SUBSCRIBE / PSUBSCRIBE again
   * to everything registered now. A subscription made while disconnected waited in the
   * offline queue and may be sent twice, which Redis ignores; one removed meanwhile is not
   * in the maps any more.
   */
  private resubscribe(client: RedisClient): Promise<unknown> {
    const channels = [...this.channels.keys()];
    const patterns = [...this.patterns.keys()];
    return Promise.all([channels.length ? client.subscribe(...channels) : undefined, patterns.length ? client.psubscribe(...patterns) : undefined]);
  }

  private deliver(entry: Entry | undefined, redisChannel: string, payload: Buffer): void {
    if (!entry || entry.handlers.size === 0 || this.closed) return;
    const parsed = this.names.parse(redisChannel);
    let envelopes: Envelope[];
    try {
      if (!parsed) throw new Error('not a rediskit channel');
      envelopes = decodeMessages(this.codec, payload, redisChannel);
    } catch (error) {
      this.metrics.undecodable.inc();
      const now = Date.now();
      if (now - this.lastUndecodableLog > 1000) {
        this.lastUndecodableLog = now;
        this.logger.warn(`Dropped a message on ${redisChannel}: ${(error as Error).message}`);
      }
      return;
    }
    for (const envelope of envelopes) this.dispatch(entry, parsed, envelope);
  }

  private dispatch(entry: Entry, parsed: MessageContext, envelope: Envelope): void {
    let counted = false;
    for (const r of entry.handlers) {
      if (r.type !== undefined && r.type !== envelope.type) continue;
      if (!counted) {
        this.metrics.received[r.pattern !== undefined ? 'pattern' : parsed.kind].inc();
        counted = true;
      }
      // The parsed channel is frozen and cached: no object per message for plain subscriptions.
      const context: MessageContext = r.pattern === undefined ? parsed : { kind: parsed.kind, channel: parsed.channel, pattern: r.pattern };
      try {
        const result = r.handler(envelope, context) as Promise<unknown> | undefined;
        if (result && typeof result.then === 'function') result.then(undefined, (error: unknown) => this.handlerFailed(r, error));
      } catch (error) {
        this.handlerFailed(r, error);
      }
    }
  }

  // One log line per handler per second at most: a handler failing on every message must not flood the log.
  private handlerFailed(r: Registration, error: unknown): void {
    this.metrics.handlerErrors[r.label].inc();
    const now = Date.now();
    if (now - r.lastLoggedAt < 1000) {
      r.suppressedErrors++;
      return;
    }
    const more = r.suppressedErrors ? ` (${r.suppressedErrors} more since the last report)` : '';
    r.lastLoggedAt = now;
    r.suppressedErrors = 0;
    const name = r.handler.name ? `handler ${r.handler.name}` : 'a handler';
    this.logger.error(`${name} failed${more}: ${(error as Error)?.stack ?? String(error)}`);
  }
}
