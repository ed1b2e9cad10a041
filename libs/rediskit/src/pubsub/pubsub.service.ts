import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { Codec } from '../codec/codec.js';
import type { RedisConnection } from '../connection/redis-connection.js';
import { RedisRegistry } from '../connection/redis.registry.js';
import { RediskitArgumentError, RediskitMessageTooLargeError } from '../errors.js';
import { Keyspace, type KeyPart } from '../keyspace/keyspace.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { RedisModuleOptions } from '../options/redis-module-options.js';
import { REDIS_MODULE_OPTIONS } from '../redis.constants.js';
import { ScriptBatcher } from '../scripts/script-batcher.js';
import { inboxAppendScript } from './pubsub-inbox-append.lua.js';
import { byteLength, PublishBatcher, type PublishOutcomes } from './publish-batcher.js';
import { publishRoutedScript } from './pubsub-publish-routed.lua.js';
import { PubSubChannels, type ChannelKind } from './pubsub.channels.js';
import { encodeBody, encodeFramed, MAX_STREAM_ID_LENGTH, type EnvelopeBody } from './pubsub.envelope.js';
import { PubSubMetrics } from './pubsub.metrics.js';
import { resolvePubSubSettings } from './pubsub.settings.js';
import { PubSubSubscriber, type MessageHandler, type SubscribeOptions, type Unsubscribe } from './pubsub.subscriber.js';
import { UserInbox } from './user-inbox.js';
import { Tracing } from '../tracing/tracing.js';
import { tracedPublish } from './pubsub.tracing.js';
import { sendNow } from '../scripts/send-now.js';

/** Options of {@link PubSubService.publish}. */
export interface PublishOptions {
  /** The envelope `type`. @default the channel name */
  type?: string;
}

/**
 * Pub/Sub over Redis with envelopes, typed handlers and a per-user inbox. Channels are
 * namespaced by the Keyspace; messages are `{ id, type, data, ts, source }` encoded by the
 * module's Codec. Subscriptions use a dedicated connection and come back by themselves after
 * a restart or failover; on a cluster, `pubsub.sharded` switches to SPUBLISH / SSUBSCRIBE.
 *
 * Failure policy: publishing while Redis is down fails fast (circuit breaker) with the
 * connection error and is counted in `pubsub_publish_failures_total`; nothing is queued.
 * Live messages published while a subscriber is disconnected are missed (counted as a gap);
 * `notifyUser` messages stay in the user's inbox for `inbox.retention`.
 *
 * @example
 * const off = await pubsub.subscribe<Order>('orders', (m) => console.log(m.data.total));
 * await pubsub.publish('orders', { total: 42 });
 * await pubsub.notifyUser(user.id, 'invoice.ready', { invoiceId });
 * await off();
 */
@Injectable()
export class PubSubService implements OnModuleDestroy {
  /** Who sends: written into every envelope. */
  readonly source: string;
  private readonly connection: RedisConnection;
  private readonly names: PubSubChannels;
  private readonly metrics: PubSubMetrics;
  private readonly subscriber: PubSubSubscriber;
  private readonly sharded: boolean;
  private readonly inboxMaxLength: number;
  private readonly inboxRetention: number;
  /** `pubsub.maxMessageSize`: no PUBLISH carries more bytes. */
  private readonly maxMessageSize: number;
  /** notifyUser calls of one tick: one inbox script call per slot. */
  private readonly inboxAppends: ScriptBatcher<[string, number]>;
  /**
   * One PUBLISH (SPUBLISH on a sharded cluster; on a plain cluster a script on the channel's
   * slot, see publish-routed.lua) per payload: a message or a batch of one tick's messages, never
   * over maxMessageSize.
   */
  private readonly batcher: PublishBatcher;
  /** Time budget of each Redis call (`pubsub.commandTimeout`, else the connection's). */
  private readonly budget: number;
  /** Where the batcher counts each kind's published and failed messages. */
  private readonly outcomes: Record<ChannelKind, PublishOutcomes>;

  constructor(
    registry: RedisRegistry,
    keyspace: Keyspace,
    private readonly codec: Codec,
    metrics: MetricsService,
    @Inject(REDIS_MODULE_OPTIONS) moduleOptions: RedisModuleOptions,
    private readonly tracing: Tracing = Tracing.off,
  ) {
    const settings = resolvePubSubSettings(moduleOptions.pubsub);
    this.connection = registry.get(settings.connection);
    this.names = new PubSubChannels(keyspace);
    this.metrics = new PubSubMetrics(metrics);
    const outcomes = (kind: ChannelKind): PublishOutcomes => ({ sent: this.metrics.published[kind], failed: this.metrics.publishFailures[kind] });
    this.outcomes = { channel: outcomes('channel'), user: outcomes('user'), broadcast: outcomes('broadcast') };
    this.source = settings.source;
    this.sharded = settings.sharded && this.connection.isCluster;
    this.inboxMaxLength = settings.inboxMaxLength;
    this.inboxRetention = settings.inboxRetention;
    this.maxMessageSize = settings.maxMessageSize;
    this.budget = settings.commandTimeout ?? this.connection.commandTimeout;
    this.batcher = new PublishBatcher(
      (redisChannel, payload) =>
        this.sharded
          ? this.connection.run((c) => sendNow<number>(c, 'spublish', [redisChannel, payload]), this.budget)
          : this.connection.isCluster
            ? this.connection.script<number>(publishRoutedScript, [redisChannel], [payload], this.budget)
            : this.connection.run((c) => sendNow<number>(c, 'publish', [redisChannel, payload]), this.budget),
      undefined,
      undefined,
      this.maxMessageSize,
    );
    this.subscriber = new PubSubSubscriber(this.connection, codec, this.names, this.metrics, { sharded: settings.sharded, reconnect: settings.reconnect, budget: this.budget, tracing });
    this.inboxAppends = new ScriptBatcher(this.connection, inboxAppendScript, { width: 2, budget: this.budget });
  }

  /** True when channels are sharded (a cluster with `pubsub.sharded`). */
  get isSharded(): boolean {
    return this.sharded;
  }

  /**
   * Publishes `data` on `channel`. Resolves with the number of subscribers Redis delivered to
   * (on a cluster without sharding: those on the node that took the message).
   * Throws `RediskitArgumentError` for an empty channel, `RediskitSerializationError` for data
   * the codec cannot encode (functions, symbols, cycles), `RediskitMessageTooLargeError` for a
   * message over `pubsub.maxMessageSize` once encoded (nothing is sent).
   */
  publish<T>(channel: string, data: T, options: PublishOptions = {}): Promise<number> {
    if (!this.tracing.enabled) return this.publishNow(channel, data, options, undefined);
    return tracedPublish(this.tracing, 'channel', channel, (traceparent) => this.publishNow(channel, data, options, traceparent));
  }

  private publishNow<T>(channel: string, data: T, options: PublishOptions, traceparent: string | undefined): Promise<number> {
    let redisChannel: string;
    let message: Buffer | string;
    let bytes: number;
    try {
      redisChannel = this.names.channel(channel);
      message = this.envelope(redisChannel, options.type === undefined ? channel : checkType(options.type), data, traceparent);
      bytes = this.checkSize(message, 0, `channel "${channel}"`);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.send('channel', redisChannel, message, bytes);
  }

  /** Handles every message of `channel`. Resolves once Redis confirmed the subscription. */
  async subscribe<T = unknown>(channel: string, handler: MessageHandler<T>, options?: SubscribeOptions): Promise<Unsubscribe> {
    const redisChannel = this.names.channel(channel);
    return this.subscriber.addChannel(redisChannel, checkHandler(handler), 'channel', options);
  }

  /**
   * Handles messages of every channel matching `pattern` (`*` any characters, `?` one).
   * Not available with sharded pub/sub (Redis has no sharded pattern subscription).
   */
  async psubscribe<T = unknown>(pattern: string, handler: MessageHandler<T>, options?: SubscribeOptions): Promise<Unsubscribe> {
    const redisPattern = this.names.pattern(pattern);
    if (this.sharded) {
      throw new RediskitArgumentError('pattern', `"${pattern}" cannot be subscribed with sharded pub/sub (pubsub.sharded): Redis has no sharded pattern subscriptions`);
    }
    return this.subscriber.addPattern(redisPattern, pattern, checkHandler(handler), options);
  }

  /**
   * Sends a notification to one user: appended to the user's inbox stream (kept for
   * `inbox.retention`, about `inbox.maxLength` entries) and published live, in one step.
   * Resolves with the message id (the inbox entry id). Throws `RediskitMessageTooLargeError`
   * when the live message would be over `pubsub.maxMessageSize` (nothing is sent or stored).
   */
  async notifyUser<T>(userId: KeyPart, type: string, data: T): Promise<string> {
    const channel = this.names.user(userId);
    const keys = this.names.inboxKeys(userId);
    const body = encodeBody(this.codec, { type: checkType(type), data, ts: Date.now(), source: this.source }, channel);
    // The live message is `<entry id>\n<body>`; the id is not known yet, so count the longest.
    this.checkSize(body, MAX_STREAM_ID_LENGTH + 1, `user notification "${type}"`);
    try {
      const [id] = await this.inboxAppends.call(
        [keys.stream, keys.cursor],
        [body, this.inboxMaxLength, this.inboxRetention, channel, this.sharded ? 'SPUBLISH' : 'PUBLISH'],
      );
      this.metrics.published.user.inc();
      return id;
    } catch (error) {
      this.metrics.publishFailures.user.inc();
      throw error;
    }
  }

  /** Handles the live notifications of one user (e.g. while their WebSocket is connected here). */
  async subscribeUser<T = unknown>(userId: KeyPart, handler: MessageHandler<T>, options?: SubscribeOptions): Promise<Unsubscribe> {
    return this.subscriber.addChannel(this.names.user(userId), checkHandler(handler), 'user', options);
  }

  /** Sends a message to every instance's broadcast handlers (e.g. an announcement for all users). */
  broadcast<T>(type: string, data: T): Promise<number> {
    if (!this.tracing.enabled) return this.broadcastNow(type, data, undefined);
    return tracedPublish(this.tracing, 'broadcast', '', (traceparent) => this.broadcastNow(type, data, traceparent));
  }

  private broadcastNow<T>(type: string, data: T, traceparent: string | undefined): Promise<number> {
    let message: Buffer | string;
    let bytes: number;
    try {
      message = this.envelope(this.names.broadcast, checkType(type), data, traceparent);
      bytes = this.checkSize(message, 0, `broadcast "${type}"`);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.send('broadcast', this.names.broadcast, message, bytes);
  }

  /** Handles broadcast messages. */
  async subscribeBroadcast<T = unknown>(handler: MessageHandler<T>, options?: SubscribeOptions): Promise<Unsubscribe> {
    return this.subscriber.addChannel(this.names.broadcast, checkHandler(handler), 'broadcast', options);
  }

  /** The inbox of one user: `fetch({ since, limit })`, `ack(id)`, `clear()`. */
  inbox(userId: KeyPart): UserInbox {
    return new UserInbox(this.connection, this.codec, this.names.inboxKeys(userId), this.inboxRetention, this.budget);
  }

  onModuleDestroy(): void {
    this.subscriber.close();
  }

  // Ids of published messages: a random per-instance prefix and a counter, unique without
  // a random draw per message. (Inbox messages use their stream entry id instead.)
  private readonly idPrefix = randomBytes(6).toString('base64url');
  private idCounter = 0;

  private envelope(redisChannel: string, type: string, data: unknown, traceparent: string | undefined): Buffer | string {
    const id = `${this.idPrefix}-${(++this.idCounter).toString(36)}`;
    const body: EnvelopeBody = { type, data, ts: Date.now(), source: this.source };
    if (traceparent !== undefined) body.traceparent = traceparent;
    return encodeFramed(this.codec, id, body, redisChannel);
  }

  // The encoded size of a message (plus `extra` bytes sent with it); throws when over the maximum.
  private checkSize(message: Buffer | string, extra: number, target: string): number {
    const bytes = byteLength(message);
    if (bytes + extra > this.maxMessageSize) throw new RediskitMessageTooLargeError(target, bytes + extra, this.maxMessageSize);
    return bytes;
  }

  private send(kind: ChannelKind, redisChannel: string, message: Buffer | string, bytes: number): Promise<number> {
    return this.batcher.publish(redisChannel, message, bytes, this.outcomes[kind]);
  }
}

function checkType(type: string): string {
  if (typeof type !== 'string' || type.length === 0) throw new RediskitArgumentError('type', `must be a non-empty string, got ${JSON.stringify(type)}`);
  return type;
}

function checkHandler<T>(handler: MessageHandler<T>): MessageHandler<T> {
  if (typeof handler !== 'function') throw new RediskitArgumentError('handler', `must be a function, got ${typeof handler}`);
  return handler;
}
