import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { RediskitLogger } from '../context/rediskit-logger.js';
import { ModuleRef } from '@nestjs/core';
import { randomUUID } from 'node:crypto';
import { CacheService } from '../cache/index.js';
import type { RedisConnection } from '../connection/redis-connection.js';
import { RedisRegistry } from '../connection/redis.registry.js';
import { RediskitArgumentError } from '../errors.js';
import { Keyspace } from '../keyspace/keyspace.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { RedisModuleOptions } from '../options/redis-module-options.js';
import { REDIS_MODULE_OPTIONS } from '../redis.constants.js';
import { EventEmitterBridge, findEventEmitter } from './event-emitter.bridge.js';
import { EventOutbox, type OutgoingEvent } from './event-outbox.js';
import { EventStreamReader, type StreamEntry } from './event-stream.reader.js';
import { invalidationAppendScript } from './invalidation-append.lua.js';
import { InvalidationMetrics } from './invalidation.metrics.js';
import { resolveInvalidationSettings, type InvalidationSettings } from './invalidation.settings.js';
import { RuleRegistry, targetsOf, type InvalidationRule } from './invalidation.rules.js';

/** What `emit` resolves with. */
export interface EmitOutcome {
  /** How many rules fired on this instance. */
  rules: number;
  /** True when the event is in the stream; false when it waits in the backlog for Redis. */
  delivered: boolean;
}

/**
 * Event-driven invalidation: rules declared once map a domain event to the tags, keys and
 * patterns it invalidates, and `emit(name, payload)` applies them on this instance (through
 * `CacheService`) and on every other instance (through a Redis stream each instance follows).
 *
 * Reliability: an event emitted while Redis is unreachable applies here at once (the cache
 * replays its own part when Redis answers) and waits in a bounded backlog, in order, until it
 * can be appended; the other instances then read it. Delivery is at least once, in emit order
 * per instance (so per entity when one instance emits an entity's events). See
 * docs/invalidation.md for the design and its limits.
 *
 * @example
 * // RedisModule.forRoot({ ..., invalidation: { rules: [{ on: 'product.updated', tags: (e) => [`product:${e.id}`, 'products'] }] } })
 * await invalidation.emit('product.updated', { id: 7 });
 * invalidation.rulesFor('product.updated');   // [{ on: 'product.updated', tags: [Function] }]
 */
@Injectable()
export class InvalidationService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new RediskitLogger('Rediskit:invalidation');
  private readonly settings: InvalidationSettings;
  private readonly connection: RedisConnection;
  private readonly stream: string;
  private readonly budget: number;
  private readonly maxEventSize: number;
  private readonly origin = randomUUID();
  private readonly registry = new RuleRegistry();
  private readonly metrics: InvalidationMetrics;
  private readonly outbox: EventOutbox;
  private readonly reader: EventStreamReader;
  private bridge?: EventEmitterBridge;
  private booted = false;
  private outageLogged = false;

  constructor(
    registry: RedisRegistry,
    keyspace: Keyspace,
    metrics: MetricsService,
    private readonly cache: CacheService,
    private readonly moduleRef: ModuleRef,
    @Inject(REDIS_MODULE_OPTIONS) moduleOptions: RedisModuleOptions,
  ) {
    this.settings = resolveInvalidationSettings(moduleOptions.invalidation);
    this.connection = registry.get(this.settings.connection);
    this.stream = keyspace.slotted('invalidation', 'events', 'stream');
    this.budget = this.settings.commandTimeout ?? this.connection.commandTimeout;
    this.maxEventSize = this.settings.maxEventSize;
    this.metrics = new InvalidationMetrics(metrics);
    this.registry.add(this.settings.rules);
    this.outbox = new EventOutbox(this.settings.backlog, {
      append: (events) => this.append(events),
      sized: (length) => this.metrics.backlog.set(length),
      failed: () => this.failed('append'),
      dropped: (count) => {
        this.metrics.failures.dropped.inc(count);
        this.logger.warn(`The invalidation backlog is full: ${count} oldest event(s) dropped; other instances will not see them`);
      },
    });
    this.reader = new EventStreamReader(this.connection, this.stream, this.budget, {
      handle: (entry) => this.receive(entry),
      failed: () => this.failed('read'),
      gap: (lastId, firstId) => {
        this.metrics.failures.gap.inc();
        this.logger.warn(`Invalidation events after ${lastId}, before ${firstId}, were trimmed from the stream before this instance read them (invalidation.streamLength)`);
      },
    });
  }

  /**
   * Adds rules on this instance (checked: a bad one throws `RediskitArgumentError`); returns a
   * function that removes them. Rules are per instance: declare the same on every instance
   * (the module options do) unless an instance should react differently.
   */
  register(rules: InvalidationRule | readonly InvalidationRule[]): () => void {
    const list = Array.isArray(rules) ? (rules as readonly InvalidationRule[]) : [rules as InvalidationRule];
    const remove = this.registry.add(list);
    if (this.booted) this.follow();
    return remove;
  }

  /** The rules that fire for `event` on this instance, in the order they were registered. */
  rulesFor(event: string): InvalidationRule[] {
    return this.registry.rulesFor(event);
  }

  /**
   * Applies the rules of `event` here and sends it to every other instance. Resolves once
   * applied here and appended to the stream, or queued when Redis cannot be reached
   * (`delivered: false`: it is appended when Redis answers). Rejects with
   * `RediskitArgumentError` when the name is empty or the payload is not JSON or too large;
   * an error of a rule (a function that throws) is logged and counted, not thrown.
   */
  async emit(event: string, payload?: unknown): Promise<EmitOutcome> {
    if (typeof event !== 'string' || event.length === 0) throw new RediskitArgumentError('event', 'must be a non-empty event name');
    const seq = this.outbox.push({ name: event, payload: this.encode(payload) });
    this.metrics.emitted.inc();
    const rules = await this.apply(event, payload);
    await this.outbox.flush();
    return { rules, delivered: this.outbox.sent(seq) };
  }

  async onApplicationBootstrap(): Promise<void> {
    this.booted = true;
    if (this.settings.eventEmitter) {
      const emitter = await findEventEmitter(this.moduleRef);
      if (emitter) this.bridge = new EventEmitterBridge(emitter, (name, payload) => this.fromEmitter(name, payload));
    }
    this.follow();
    // Back from an outage: send the backlog at once rather than at the next retry.
    this.connection.client.on('ready', () => void this.outbox.flush());
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.outbox.length > 0) await this.outbox.flush();
    this.outbox.close();
    await this.reader.stop();
    if (this.outbox.length > 0) this.logger.warn(`${this.outbox.length} invalidation event(s) could not be sent to other instances before shutdown`);
  }

  // Reads the stream (and listens on the emitter) once there is something to do with events.
  private follow(): void {
    for (const name of this.registry.events()) this.bridge?.listen(name);
    if (this.registry.events().length > 0 || (this.bridge && this.settings.emitRemoteEvents)) this.reader.start();
  }

  private fromEmitter(name: string, payload: unknown): void {
    if (this.registry.rulesFor(name).length === 0) return;
    this.emit(name, payload).catch((error: unknown) => this.logger.warn(`An EventEmitter2 event "${name}" could not be emitted for invalidation: ${(error as Error).message}`));
  }

  private async receive(entry: StreamEntry): Promise<void> {
    if (entry.origin === this.origin) return;
    if (!entry.name || entry.payload === undefined || entry.payload.length > this.maxEventSize) return void this.metrics.failures.undecodable.inc();
    let payload: unknown;
    try {
      payload = JSON.parse(entry.payload);
    } catch {
      return void this.metrics.failures.undecodable.inc();
    }
    this.metrics.received.inc();
    await this.apply(entry.name, payload);
    if (this.settings.emitRemoteEvents) this.bridge?.relay(entry.name, payload);
  }

  // The rules of one event, one after the other (their order is the order they were registered).
  private async apply(event: string, payload: unknown): Promise<number> {
    const rules = this.registry.rulesFor(event);
    for (const rule of rules) {
      try {
        const { tags, patterns, keys, namespace } = targetsOf(rule, payload);
        const scope = namespace ? this.cache.namespace(namespace) : this.cache;
        if (tags.length) await this.cache.invalidateTags(tags);
        if (keys.length) await scope.del(keys);
        for (const pattern of patterns) await scope.invalidatePattern(pattern);
      } catch (error) {
        this.metrics.failures.rule.inc();
        this.logger.warn(`The invalidation rule on "${event}" failed: ${(error as Error).message}`);
      }
    }
    return rules.length;
  }

  private async append(events: OutgoingEvent[]): Promise<void> {
    const args = events.flatMap((e) => [e.name, e.payload]);
    const maxLength = this.settings.streamLength;
    await this.connection.script(invalidationAppendScript, [this.stream], [maxLength, this.origin, ...args], this.budget);
    if (this.outageLogged && this.outbox.length <= events.length) {
      this.outageLogged = false;
      this.logger.log('Redis answers again: the invalidation backlog is sent');
    }
  }

  private failed(what: 'append' | 'read'): void {
    this.metrics.failures[what].inc();
    if (what === 'append' && !this.outageLogged) {
      this.outageLogged = true;
      this.logger.warn('Invalidation events cannot be appended to the stream (Redis unreachable): they apply here and wait in the backlog');
    }
  }

  private encode(payload: unknown): string {
    let json: string | undefined;
    try {
      json = JSON.stringify(payload ?? null);
    } catch (error) {
      throw new RediskitArgumentError('payload', `must be JSON-serializable: ${(error as Error).message}`);
    }
    if (json === undefined) throw new RediskitArgumentError('payload', 'must be JSON-serializable');
    if (Buffer.byteLength(json) > this.maxEventSize) throw new RediskitArgumentError('payload', `is ${Buffer.byteLength(json)} bytes of JSON, over invalidation.maxEventSize (${this.maxEventSize})`);
    return json;
  }
}
