import { RediskitValueTooLargeError } from '../errors.js';
import { randomUUID } from 'node:crypto';
import type { Codec } from '../codec/codec.js';
import type { RedisConnection } from '../connection/redis-connection.js';
import type { MetricsService } from '../metrics/metrics.service.js';
import { CacheBus } from './cache-bus.js';
import { encodeEntry, encodeEntryText, type CacheEntry } from './cache-entry.js';
import type { CallOptions } from './cache-call-options.js';
import type { CacheSettings } from './cache.settings.js';
import type { CacheInvalidatedEvent, CacheLoader, InvalidationOutcome, OnUnreachable } from './cache.options.js';
import { CacheLock } from './cache-lock.js';
import { CacheStats } from './cache-stats.js';
import { isPrimitive, type Found, type NamespaceRef } from './found.js';
import { GetOrSetHandler } from './get-or-set.handler.js';
import { InvalidationHandler } from './invalidation.handler.js';
import { KeyTracking } from './key-tracking.js';
import { LoaderRunner } from './loader.runner.js';
import { MemoryFacade } from './memory.facade.js';
import { PendingInvalidations } from './pending-invalidations.js';
import { ReadHandler } from './read.handler.js';
import { RedisFacade } from './redis.facade.js';
import { TagVersions } from './tag-versions.js';
import type { WriteBehindQueue } from './write-behind.queue.js';
import { WriteWaiters } from './write-waiters.js';
import { Tracing, type TraceSpan } from '../tracing/tracing.js';
import { RediskitLogger } from '../context/rediskit-logger.js';

export type { NamespaceRef } from './found.js';

const EMPTY = Buffer.alloc(0);

export interface EngineDeps {
  connection: RedisConnection;
  codec: Codec;
  metrics: MetricsService;
  settings: CacheSettings;
  tagHashKey: string;
  busChannel: string | false;
  /** `l1.coherence: 'tracking'`: the key prefix Redis tracks for this instance (keys leave the bus). */
  trackPrefix: string | false;
  writeBehind?: WriteBehindQueue;
  /** Time budget of each Redis call (`cache.commandTimeout`, else the connection's). */
  budget: number;
  /** Prefix of every key of the cache, all namespaces (cleared whole after an overflow of pending tag invalidations). */
  cachePrefix: string;
  /** Spans of get and getOrSet (none when absent). */
  tracing?: Tracing;
}

/**
 * The cache stack shared by every namespace view. It composes layers with one job each:
 * - {@link MemoryFacade}: the memory layer (L1), whether it is trusted, invalidation epochs;
 * - {@link RedisFacade}: Redis (L2), with one read path;
 * - {@link GetOrSetHandler}: single flight, the stampede lock, grace, early refresh;
 * - {@link LoaderRunner}: loader calls and their timeouts;
 * - {@link InvalidationHandler}: keys, tags, patterns, and the invalidation bus.
 * - {@link ReadHandler}: plain reads through both layers.
 * Here: writes through both layers, and the lifecycle. The degradation
 * policy: a Redis failure never reaches a `get`/`getOrSet` caller (it reads as a miss, memory
 * serves what it has), writes that fail are counted.
 */
export class CacheEngine {
  readonly memory: MemoryFacade;
  readonly redis: RedisFacade;
  readonly reads: ReadHandler;
  readonly tags: TagVersions;
  readonly stats: CacheStats;
  readonly bus: CacheBus | undefined;
  readonly tracking: KeyTracking | undefined;
  readonly lock: CacheLock;
  readonly waiters = new WriteWaiters();
  readonly runner: LoaderRunner;
  readonly invalidation: InvalidationHandler;
  readonly pending: PendingInvalidations;
  readonly instanceId = randomUUID();
  private readonly getOrSetHandler: GetOrSetHandler;
  private readonly logger = new RediskitLogger('CacheService');
  private readonly background = new Set<Promise<unknown>>();
  private readonly views = new Map<string, unknown>();
  /** Told after each tag invalidation and clear made through this instance (see `CacheService.onInvalidated`). */
  readonly invalidated = new Set<(event: CacheInvalidatedEvent) => void>();
  private readonly unwatch: () => void;

  constructor(private readonly deps: EngineDeps) {
    this.pending = new PendingInvalidations(deps.settings.maxPending, deps.cachePrefix);
    this.bus = deps.busChannel
      ? new CacheBus(
          deps.connection,
          deps.busChannel,
          this.instanceId,
          {
            message: (m) => this.invalidation.onBusMessage(m),
            lost: () => undefined, // memory is no longer trusted (bus.healthy), and kept for outages
            restored: () => this.invalidation.onBusRestored(),
            dropped: (reason) => this.stats.busMessageDropped(reason),
          },
          deps.budget,
          deps.trackPrefix === false,
        )
      : undefined;
    // Redis says which keys changed, whoever wrote them; once every master is tracked again,
    // what memory holds may have changed unseen, so it is dropped.
    this.tracking = deps.trackPrefix
      ? new KeyTracking(
          deps.connection,
          deps.trackPrefix,
          {
            keys: (k) => this.invalidation.onBusMessage({ k }),
            flushed: () => this.memory.invalidateAll(),
            lost: () => undefined, // memory is no longer trusted (tracking.healthy)
            restored: () => this.memory.invalidateAll(),
          },
          this.logger,
        )
      : undefined;
    this.tags = new TagVersions(deps.connection, deps.tagHashKey, () => this.bus !== undefined && this.memory.trusted, deps.budget);
    this.memory = new MemoryFacade(deps.settings.l1, deps.codec, this.tags, this.bus, this.pending, this.tracking);
    this.redis = new RedisFacade(deps.connection, deps.codec, this.tags, deps.budget, deps.settings.maxValueSize, this.logger, this.pending);
    this.reads = new ReadHandler(this.memory, this.redis, deps.settings.l1Ttl);
    this.lock = new CacheLock(deps.connection, deps.budget);
    this.stats = new CacheStats(deps.metrics, () => ({ entries: this.memory.size, bytes: this.memory.bytes }), () => this.pending.size);
    this.runner = new LoaderRunner((ns, full, value, o, versions, delta, writeRedis) => this.store(ns, full, value, o, versions, delta, writeRedis), this.memory, this.tags, (p) => this.track(p));
    this.getOrSetHandler = new GetOrSetHandler(this, this.logger);
    this.invalidation = new InvalidationHandler(this.memory, this.redis, this.tags, this.bus, this.waiters, this.stats, this.pending, this.logger);
    // Redis answers again: pending invalidations go out at once (the circuit closed, the
    // connection is ready; the bus coming back and a retry timer also replay them).
    const replay = () => void this.invalidation.replay();
    const unsubscribe = deps.connection.breaker.onStateChange((state) => state === 'closed' && replay());
    deps.connection.client.on('ready', replay);
    this.unwatch = () => {
      unsubscribe();
      deps.connection.client.off('ready', replay);
    };
  }

  get tracing(): Tracing {
    return this.deps.tracing ?? Tracing.off;
  }

  get connection(): RedisConnection {
    return this.deps.connection;
  }

  /** One view object per namespace name, so `cache.namespace(x)` on every call costs a lookup. */
  view<V>(name: string, create: () => V): V {
    let v = this.views.get(name) as V | undefined;
    if (v === undefined) this.views.set(name, (v = create()));
    return v;
  }

  get writeBehind(): WriteBehindQueue | undefined {
    return this.deps.writeBehind;
  }

  get settings(): CacheSettings {
    return this.deps.settings;
  }

  /**
   * Connects the bus and key tracking now (the cache is configured): memory is trusted from the start. Reads
   * the tag invalidation sequence in the background, so loads that learn their tags from
   * their value can be checked from the first one (see `TagVersions.settled`).
   */
  async start(): Promise<void> {
    this.tags.learnSequence().catch(() => undefined);
    // The cache still works without either: memory is simply not trusted until they connect.
    await Promise.all([
      this.bus?.start().catch((e: Error) => this.logger.warn(`invalidation bus not connected: ${e.message}`)),
      this.tracking?.start().catch((e: Error) => this.logger.warn(`key tracking not enabled: ${e.message}`)),
    ]);
  }

  /** Waits for background refreshes and writes, replays pending invalidations if Redis answers, stops the bus. */
  async stop(): Promise<void> {
    await this.deps.writeBehind?.close();
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
    this.unwatch();
    await this.invalidation.close();
    await this.bus?.stop();
    this.tracking?.stop();
    this.stats.stop();
  }

  getOrSet<T>(ns: NamespaceRef, full: string, loader: CacheLoader<T>, o: CallOptions, span?: TraceSpan): Promise<T> {
    return this.getOrSetHandler.handle(ns, full, loader, o, span);
  }

  // ---------------------------------------------------------------- writes

  /** Encodes, checks size, writes Redis then memory, tells other instances. Redis failures are counted. */
  async store(
    ns: NamespaceRef,
    full: string,
    value: unknown,
    o: CallOptions,
    versions: Map<string, number> | undefined | null,
    delta = 0,
    writeRedis = true,
  ): Promise<Found> {
    const codec = this.deps.codec;
    const key = full.slice(ns.prefix.length);
    // Plain JSON stays text: written straight into the entry, and memory parses its copy from
    // the text (no payload Buffer to build, copy and decode back to text).
    const text = codec.encodeText(value, key);
    const payload = text === undefined ? codec.encode(value, key) : EMPTY;
    const size = text === undefined ? payload.length : Buffer.byteLength(text);
    if (size > this.deps.settings.maxValueSize) {
      throw new RediskitValueTooLargeError(key, size, this.deps.settings.maxValueSize);
    }
    const now = Date.now();
    const retain = o.ttl + Math.max(o.grace, o.staleIfError);
    const entry: CacheEntry = { payload, createdAt: now, expiresAt: now + o.ttl, retainUntil: now + retain, delta, tags: versions ?? undefined };
    if (o.windows) {
      entry.grace = o.grace;
      entry.staleIfError = o.staleIfError;
    }
    const bytes = text === undefined ? encodeEntry(entry) : encodeEntryText(entry, text, size);
    // Tag versions unknown (Redis unreachable): the value cannot be checked later, so it is not cached.
    if (versions === null) {
      ns.stats.failedWrites++;
      return { entry, value, shared: isPrimitive(value) };
    }
    this.memory.written(full);
    // Redis just failed a read for this call: do not wait on it again; memory still gets the value.
    if (!writeRedis) ns.stats.failedWrites++;
    else
      try {
        await this.redis.write(full, bytes, retain);
        this.bus?.queueKeys([full]);
      } catch {
        ns.stats.failedWrites++;
      }
    this.waiters.wake(full);
    return this.memory.keep(full, entry, value, o.l1Ttl, now, o.skipL1, text);
  }

  // ---------------------------------------------------------------- invalidation

  del(ns: NamespaceRef, fulls: string[], onUnreachable: OnUnreachable): Promise<number> {
    return this.invalidation.del(ns, fulls, onUnreachable);
  }

  invalidateTags(ns: NamespaceRef, tags: string[], onUnreachable: OnUnreachable): Promise<InvalidationOutcome> {
    return this.invalidation.invalidateTags(ns, tags, onUnreachable);
  }

  /** Tells the listeners; one that throws never fails the invalidation (it is logged). */
  announce(event: CacheInvalidatedEvent): void {
    for (const listener of this.invalidated) {
      try {
        listener(event);
      } catch (e) {
        this.logger.warn(`An onInvalidated listener failed: ${(e as Error).message}`);
      }
    }
  }

  invalidatePattern(ns: NamespaceRef, pattern: string, onUnreachable: OnUnreachable): Promise<number> {
    return this.invalidation.invalidatePattern(ns, pattern, onUnreachable);
  }

  /** Keeps a background promise until it settles, so shutdown can wait for it. */
  track(p: Promise<unknown>): void {
    const tracked = p.catch(() => undefined);
    this.background.add(tracked);
    tracked.finally(() => this.background.delete(tracked));
  }
}
