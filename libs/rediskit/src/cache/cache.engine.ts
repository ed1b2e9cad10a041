import { RediskitInvalidationError, RediskitLoaderTimeoutError, RediskitValueTooLargeError } from '../errors.js';
import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { Codec } from '../codec/codec.js';
import type { RedisConnection } from '../connection/redis-connection.js';
import { unlinkMatching } from '../connection/scan.js';
import type { MetricsService } from '../metrics/metrics.service.js';
import { CacheBus, type BusMessage } from './cache-bus.js';
import { decodeEntry, encodeEntry, type CacheEntry } from './cache-entry.js';
import type { CacheDefaults, CallOptions } from './cache-call-options.js';
import { CacheLock } from './cache-lock.js';
import { CacheStats, type NamespaceStats } from './cache-stats.js';
import { CorruptEntries } from './corrupt-entries.js';
import { MemoryLayer, type MemoryLayerOptions } from './memory-layer.js';
import { TagVersions } from './tag-versions.js';
import { compileGlob } from './glob.js';
import type { WriteBehindQueue } from './write-behind.queue.js';

/** Where a namespace's keys live, and its counters. */
export interface NamespaceRef {
  name: string;
  /** Full Redis key prefix, ending with the separator. */
  prefix: string;
  /** Prefix of the stampede-lock keys. */
  lockPrefix: string;
  stats: NamespaceStats;
}

/** A value found or produced: `shared` values (frozen or primitive) may go to every caller. */
interface Found {
  entry: CacheEntry;
  value: unknown;
  shared: boolean;
}

export interface EngineDeps {
  connection: RedisConnection;
  codec: Codec;
  metrics: MetricsService;
  memory: MemoryLayerOptions | false;
  defaults: CacheDefaults;
  tagHashKey: string;
  busChannel: string | false;
  writeBehind?: WriteBehindQueue;
  /** Time budget of each Redis call (`cache.commandTimeout`, else the connection's). */
  budget: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** What `valueOf` returns for an entry whose payload cannot be decoded. */
const CORRUPT = Symbol('corrupt');

/**
 * The cache's machinery, shared by every namespace view: memory layer (L1) in front of Redis
 * (L2), tag versions, the invalidation bus, single-flight loads, the stampede lock and the
 * degradation policy (a Redis failure never reaches a `get`/`getOrSet` caller: it reads as a
 * miss, the memory layer serves what it has, writes are counted as failed).
 */
export class CacheEngine {
  readonly memory: MemoryLayer | undefined;
  readonly tags: TagVersions;
  readonly stats: CacheStats;
  readonly bus: CacheBus | undefined;
  readonly instanceId = randomUUID();
  private readonly lock: CacheLock;
  private readonly logger = new Logger('CacheService');
  private readonly corrupt = new CorruptEntries(this.logger);
  private readonly inflight = new Map<string, Promise<Found>>();
  private readonly refreshing = new Map<string, Promise<unknown>>();
  private readonly background = new Set<Promise<unknown>>();
  private readonly waiters = new Map<string, Set<() => void>>();
  // Invalidation epochs: a read that started before an invalidation of its key must not fill
  // memory with what it read (the value may be the one just invalidated).
  private epoch = 0;
  private floorEpoch = 0;
  private readonly keyEpochs = new Map<string, number>();

  constructor(private readonly deps: EngineDeps) {
    this.memory = deps.memory ? new MemoryLayer(deps.memory, deps.codec) : undefined;
    this.bus = deps.busChannel
      ? new CacheBus(
          deps.connection,
          deps.busChannel,
          this.instanceId,
          {
            message: (m) => this.onBusMessage(m),
            lost: () => undefined, // memory is no longer trusted (bus.healthy), and kept for outages
            restored: () => this.onBusRestored(),
            dropped: (reason) => this.stats.busMessageDropped(reason),
          },
          deps.budget,
        )
      : undefined;
    this.tags = new TagVersions(deps.connection, deps.tagHashKey, () => this.bus !== undefined && this.memoryTrusted, deps.budget);
    this.lock = new CacheLock(deps.connection, deps.budget);
    this.stats = new CacheStats(deps.metrics, () => ({ entries: this.memory?.size ?? 0, bytes: this.memory?.bytes ?? 0 }));
  }

  get connection(): RedisConnection {
    return this.deps.connection;
  }

  private readonly views = new Map<string, unknown>();

  /** One view object per namespace name, so `cache.namespace(x)` on every call costs a lookup. */
  view<V>(name: string, create: () => V): V {
    let v = this.views.get(name) as V | undefined;
    if (v === undefined) this.views.set(name, (v = create()));
    return v;
  }

  get writeBehind(): WriteBehindQueue | undefined {
    return this.deps.writeBehind;
  }

  get defaults(): CacheDefaults {
    return this.deps.defaults;
  }

  /**
   * Memory may be read without asking Redis: on, and (with a bus) the bus is listening. The
   * first time it is asked, a bus not opened at boot opens (in the background: memory is
   * trusted once it has subscribed, and what memory held before that is dropped then).
   */
  private get memoryTrusted(): boolean {
    const bus = this.bus;
    if (!bus) return true;
    if (bus.healthy) return true;
    if (!bus.started) bus.startInBackground();
    return false;
  }

  /** Connects the bus now (the cache is configured): memory is trusted from the start. */
  async start(): Promise<void> {
    if (!this.bus) return;
    try {
      await this.bus.start();
    } catch (e) {
      // The cache still works without the bus: memory is simply not trusted until it connects.
      this.logger.warn(`invalidation bus not connected: ${(e as Error).message}`);
    }
  }

  /** Waits for background refreshes and writes, stops the bus. */
  async stop(): Promise<void> {
    await this.deps.writeBehind?.close();
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
    await this.bus?.stop();
    this.stats.stop();
  }

  // ---------------------------------------------------------------- reads

  // Not async, and the Redis read returns the value itself: each async frame is a microtask
  // hop, which is measurable on a Redis hit (bench `cache`, L2 hit vs raw GET + JSON.parse).
  get<T>(ns: NamespaceRef, full: string, skipL1: boolean): Promise<T | undefined> {
    const memory = skipL1 ? undefined : this.memory;
    let fallback: Found | undefined;
    if (memory) {
      const now = Date.now();
      const item = memory.get(full, now);
      if (item !== undefined) {
        const state = item.entry.tags ? this.tags.check(item.entry.tags) : 'valid';
        if (state === 'valid' && now < item.l1Until && this.memoryTrusted) {
          ns.stats.l1Hits++;
          return Promise.resolve(memory.read<T>(item, full));
        }
        if (state === 'stale') memory.delete(full);
        else if (now < item.entry.expiresAt) fallback = { entry: item.entry, value: item.value, shared: !item.clone };
      }
      ns.stats.l1Misses++;
    }
    return this.readThrough(ns, full, memory, fallback, true) as Promise<T | undefined>;
  }

  /** Remaining freshness in ms, or undefined when missing. */
  async ttl(ns: NamespaceRef, full: string): Promise<number | undefined> {
    const item = this.memory?.get(full, Date.now());
    let entry = item && this.memoryTrusted && (!item.entry.tags || this.tags.check(item.entry.tags) === 'valid') ? item.entry : undefined;
    if (!entry) entry = (await this.readL2(ns, full).catch(() => undefined))?.entry;
    const left = entry ? entry.expiresAt - Date.now() : 0;
    return left > 0 ? left : undefined;
  }

  /**
   * Reads Redis and fills memory. On a Redis failure returns `fallback` (a memory entry still
   * fresh), else undefined. Returns stale entries too (still retained for grace/stale-if-error).
   */
  private readThrough(ns: NamespaceRef, full: string, memory: MemoryLayer | undefined, fallback?: Found): Promise<Found | undefined>;
  /** With `freshValue`: the fresh value itself, or undefined (what `get` returns). */
  private readThrough(ns: NamespaceRef, full: string, memory: MemoryLayer | undefined, fallback: Found | undefined, freshValue: true): Promise<unknown>;
  private async readThrough(ns: NamespaceRef, full: string, memory: MemoryLayer | undefined, fallback?: Found, freshValue = false): Promise<unknown> {
    const epoch = this.epoch;
    let entry: CacheEntry | undefined;
    // GET inlined (not via readL2): one async frame less on the hot L2 path.
    try {
      const bytes = await this.deps.connection.run((c) => c.getBuffer(full), this.deps.budget);
      entry = bytes === null ? undefined : this.entryOf(ns, full, bytes);
      if (entry?.tags && !(await this.tags.isValid(entry.tags))) entry = undefined;
    } catch {
      ns.stats.errors++;
      const usable = fallback && this.fallbackUsable(fallback) ? this.handOut(fallback, full) : undefined;
      return freshValue ? usable?.value : usable;
    }
    // A corrupt entry (reported by entryOf or valueOf) reads as a miss.
    const value = entry === undefined ? undefined : this.valueOf(ns, full, entry);
    if (entry === undefined || value === CORRUPT) {
      ns.stats.l2Misses++;
      return undefined;
    }
    const now = Date.now();
    const fresh = now < entry.expiresAt;
    if (fresh) ns.stats.l2Hits++;
    else ns.stats.l2Misses++;
    let shared = isPrimitive(value);
    if (memory && !this.invalidatedSince(full, epoch)) shared = !memory.set(full, entry, value, this.deps.defaults.l1Ttl, now).clone;
    if (freshValue) return fresh ? value : undefined;
    return { entry, value, shared };
  }

  /** The entry in Redis if present and its tags are current. Throws on Redis errors. */
  private async readL2(ns: NamespaceRef, full: string): Promise<{ entry: CacheEntry; bytes: Buffer } | undefined> {
    const bytes = await this.deps.connection.run((c) => c.getBuffer(full), this.deps.budget);
    if (bytes === null) return undefined;
    const entry = this.entryOf(ns, full, bytes);
    if (entry === undefined) return undefined;
    if (entry.tags && !(await this.tags.isValid(entry.tags))) return undefined;
    return { entry, bytes };
  }

  /** The entry in `bytes`; bytes that are not one (hostile or damaged) are reported and read as a miss. */
  private entryOf(ns: NamespaceRef, full: string, bytes: Buffer): CacheEntry | undefined {
    const entry = decodeEntry(bytes);
    if (entry === undefined) this.corrupt.report(ns.stats, full, 'not a cache entry of this format');
    return entry;
  }

  /** The decoded value, or `CORRUPT` (reported) when the codec rejects the payload. */
  private valueOf(ns: NamespaceRef, full: string, entry: CacheEntry): unknown {
    // Never written by this cache (the size is checked on write): not worth parsing.
    if (entry.payload.length > this.deps.defaults.maxValueSize) {
      this.corrupt.report(ns.stats, full, 'value larger than maxValueSize');
      return CORRUPT;
    }
    try {
      return this.deps.codec.decode(entry.payload, full);
    } catch (e) {
      // Codec messages name the key and a reason, never the payload.
      this.corrupt.report(ns.stats, full, (e as Error).message);
      return CORRUPT;
    }
  }

  private fallbackUsable(f: Found): boolean {
    return Date.now() < f.entry.expiresAt;
  }

  /** A value a caller may keep: the shared one, or a fresh copy. */
  private handOut(f: Found, full: string): Found {
    return f.shared ? f : { ...f, value: this.deps.codec.decode(f.entry.payload, full) };
  }

  // ---------------------------------------------------------------- getOrSet

  async getOrSet<T>(ns: NamespaceRef, full: string, loader: () => T | Promise<T>, o: CallOptions): Promise<T> {
    const memory = o.skipL1 ? undefined : this.memory;
    let stale: Found | undefined;
    let fallback: Found | undefined;
    if (memory) {
      const now = Date.now();
      const item = memory.get(full, now);
      if (item !== undefined) {
        const state = item.entry.tags ? this.tags.check(item.entry.tags) : 'valid';
        if (state === 'stale') memory.delete(full);
        else {
          const found = { entry: item.entry, value: item.value, shared: !item.clone };
          if (state === 'valid' && this.memoryTrusted) {
            if (now < item.l1Until) {
              ns.stats.l1Hits++;
              this.maybeRefreshEarly(ns, full, loader, o, found, now);
              return memory.read<T>(item, full);
            }
            if (now >= item.entry.expiresAt) stale = found;
          }
          if (now < item.entry.expiresAt) fallback = found;
        }
      }
      ns.stats.l1Misses++;
    }
    // A stale value within grace is served at once; one refresh runs behind it.
    if (stale && Date.now() < stale.entry.expiresAt + o.grace) {
      ns.stats.staleServed++;
      if (!this.inflight.has(full)) this.refreshInBackground(ns, full, loader, o, stale);
      return this.handOut(stale, full).value as T;
    }
    let flight = this.inflight.get(full);
    if (flight === undefined) {
      flight = this.readOrLoad(ns, full, loader, o, memory, stale, fallback);
      this.inflight.set(full, flight);
      const own = flight;
      const done = () => {
        if (this.inflight.get(full) === own) this.inflight.delete(full);
      };
      flight.then(done, done);
      return (await flight).value as T;
    }
    return this.handOut(await flight, full).value as T;
  }

  private async readOrLoad<T>(
    ns: NamespaceRef,
    full: string,
    loader: () => T | Promise<T>,
    o: CallOptions,
    memory: MemoryLayer | undefined,
    stale: Found | undefined,
    fallback: Found | undefined,
  ): Promise<Found> {
    const epoch = this.epoch;
    let redisDown = false;
    let read: { entry: CacheEntry; bytes: Buffer } | undefined;
    try {
      read = await this.readL2(ns, full);
    } catch {
      ns.stats.errors++;
      redisDown = true;
      if (fallback && this.fallbackUsable(fallback)) return this.handOut(fallback, full);
    }
    // A corrupt entry is a miss: the loader runs and its value replaces the entry.
    const value = read === undefined ? undefined : this.valueOf(ns, full, read.entry);
    if (value === CORRUPT) read = undefined;
    if (read !== undefined) {
      const now = Date.now();
      let found: Found = { entry: read.entry, value, shared: isPrimitive(value) };
      if (memory && !this.invalidatedSince(full, epoch)) {
        const item = memory.set(full, read.entry, value, o.l1Ttl, now);
        found = { entry: read.entry, value, shared: !item.clone };
      }
      if (now < read.entry.expiresAt) {
        ns.stats.l2Hits++;
        this.maybeRefreshEarly(ns, full, loader, o, found, now);
        return found;
      }
      ns.stats.l2Misses++;
      stale = found;
      if (now < read.entry.expiresAt + o.grace) {
        ns.stats.staleServed++;
        this.refreshInBackground(ns, full, loader, o, stale);
        return found;
      }
    } else if (!redisDown) {
      ns.stats.l2Misses++;
    }
    return this.load(ns, full, loader, o, stale, redisDown, false);
  }

  /**
   * Runs the loader (with the stampede lock when asked), stores its value and returns it.
   * Tag versions are read before the loader runs: an invalidation during the load leaves the
   * new entry stale, which is right, since the loader may have read the old data.
   */
  private async load<T>(
    ns: NamespaceRef,
    full: string,
    loader: () => T | Promise<T>,
    o: CallOptions,
    stale: Found | undefined,
    redisDown: boolean,
    inBackground: boolean,
  ): Promise<Found> {
    let versions: Map<string, number> | undefined | null;
    if (o.expandedTags && !redisDown) {
      versions = await this.tags.current(o.expandedTags).catch(() => {
        ns.stats.errors++;
        return null;
      });
    } else if (o.expandedTags) versions = null;
    let token: string | undefined;
    const lockKey = ns.lockPrefix + full.slice(ns.prefix.length);
    if (o.lock && !redisDown) {
      try {
        token = await this.lock.acquire(lockKey, this.deps.defaults.lockTtl);
        if (token !== undefined && !inBackground) {
          // The previous holder may have stored the value between our miss and our lock.
          const fresh = await this.readThrough(ns, full, o.skipL1 ? undefined : this.memory);
          if (fresh && Date.now() < fresh.entry.expiresAt) {
            await this.lock.release(lockKey, token);
            return fresh;
          }
        }
        if (token === undefined) {
          if (inBackground && stale) return stale; // another instance refreshes
          const won = await this.waitForValue(ns, full, lockKey, o);
          if (won) return won;
        }
      } catch {
        ns.stats.errors++;
      }
    }
    const release = () => {
      if (token) this.lock.release(lockKey, token).catch(() => undefined);
    };
    ns.stats.loaderCalls++;
    const started = performance.now();
    const loading = (async () => {
      try {
        const value = await loader();
        if (value === undefined || (o.cacheIf && !o.cacheIf(value))) return uncached(value);
        return await this.store(ns, full, value, o, versions, performance.now() - started, !redisDown);
      } finally {
        release();
      }
    })();
    try {
      return await this.withTimeouts(ns, full, loading, o, stale);
    } catch (error) {
      if (!(error instanceof RediskitValueTooLargeError) && stale && Date.now() < stale.entry.expiresAt + o.staleIfError) {
        ns.stats.staleServed++;
        return this.handOut(stale, full);
      }
      throw error;
    }
  }

  /** Soft timeout: serve stale if there is one. Hard timeout: give up. The load continues and is stored. */
  private withTimeouts(ns: NamespaceRef, full: string, loading: Promise<Found>, o: CallOptions, stale: Found | undefined): Promise<Found> {
    const counted = loading.catch((e: unknown) => {
      ns.stats.loaderErrors++;
      throw e;
    });
    const soft = stale ? o.soft : undefined;
    if (soft === undefined && o.hard === undefined) return counted;
    this.track(counted);
    return new Promise<Found>((resolve, reject) => {
      const timers: NodeJS.Timeout[] = [];
      const finish = () => timers.forEach(clearTimeout);
      counted.then(
        (v) => {
          finish();
          resolve(v);
        },
        (e) => {
          finish();
          reject(e);
        },
      );
      if (soft !== undefined) {
        timers.push(
          setTimeout(() => {
            finish();
            ns.stats.staleServed++;
            resolve(this.handOut(stale!, full));
          }, soft),
        );
      }
      if (o.hard !== undefined) {
        timers.push(
          setTimeout(() => {
            finish();
            ns.stats.loaderErrors++;
            reject(new RediskitLoaderTimeoutError(full.slice(ns.prefix.length), o.hard!));
          }, o.hard),
        );
      }
    });
  }

  /** Another instance holds the lock: wait for its value (woken by the bus, else polling). */
  private async waitForValue(ns: NamespaceRef, full: string, lockKey: string, o: CallOptions): Promise<Found | undefined> {
    const deadline = Date.now() + this.deps.defaults.lockWait;
    let pause = 5;
    while (Date.now() < deadline) {
      await this.nextWrite(full, Math.min(pause, deadline - Date.now()));
      pause = Math.min(pause * 2, 100);
      const found = await this.readThrough(ns, full, o.skipL1 ? undefined : this.memory);
      if (found && Date.now() < found.entry.expiresAt) return found;
      if (!(await this.lock.isHeld(lockKey))) {
        const last = await this.readThrough(ns, full, o.skipL1 ? undefined : this.memory);
        return last && Date.now() < last.entry.expiresAt ? last : undefined;
      }
    }
    return undefined;
  }

  /** Resolves when `full` is written (by anyone we hear of) or after `ms`. */
  private nextWrite(full: string, ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      let set = this.waiters.get(full);
      if (!set) this.waiters.set(full, (set = new Set()));
      const wake = () => {
        clearTimeout(timer);
        const s = this.waiters.get(full);
        s?.delete(wake);
        if (s?.size === 0) this.waiters.delete(full);
        resolve();
      };
      const timer = setTimeout(wake, Math.max(1, ms));
      set.add(wake);
    });
  }

  private wakeWaiters(full: string): void {
    const set = this.waiters.get(full);
    if (set) for (const wake of [...set]) wake();
  }

  private refreshInBackground<T>(ns: NamespaceRef, full: string, loader: () => T | Promise<T>, o: CallOptions, stale: Found | undefined): void {
    // Not `inflight`: a stale value read from Redis is returned by the flight itself, and the
    // refresh must still run behind it.
    if (this.refreshing.has(full)) return;
    const run = this.load(ns, full, loader, o, stale, false, true).catch((e: Error) => {
      this.logger.debug(`background refresh of "${full}" failed: ${e.message}`);
    });
    this.refreshing.set(full, run);
    this.track(run.finally(() => this.refreshing.delete(full)));
  }

  // XFetch (Vattani et al.): refresh early with a probability that rises as expiry nears, scaled
  // by how long the last load took, so one caller refreshes before everyone misses at once.
  private maybeRefreshEarly<T>(ns: NamespaceRef, full: string, loader: () => T | Promise<T>, o: CallOptions, found: Found, now: number): void {
    if (o.beta <= 0 || found.entry.delta <= 0) return;
    if (now - found.entry.delta * o.beta * Math.log(Math.random()) >= found.entry.expiresAt) {
      this.refreshInBackground(ns, full, loader, o, found);
    }
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
    const payload = this.deps.codec.encode(value, full.slice(ns.prefix.length));
    if (payload.length > this.deps.defaults.maxValueSize) {
      throw new RediskitValueTooLargeError(full.slice(ns.prefix.length), payload.length, this.deps.defaults.maxValueSize);
    }
    const now = Date.now();
    const retain = o.ttl + Math.max(o.grace, o.staleIfError);
    const entry: CacheEntry = { payload, createdAt: now, expiresAt: now + o.ttl, retainUntil: now + retain, delta, tags: versions ?? undefined };
    // Tag versions unknown (Redis unreachable): the value cannot be checked later, so it is not cached.
    if (versions === null) {
      ns.stats.failedWrites++;
      return { entry, value, shared: isPrimitive(value) };
    }
    this.invalidateLocally(full);
    // Redis just failed a read for this call: do not wait on it again; memory still gets the value.
    if (!writeRedis) ns.stats.failedWrites++;
    else try {
      await this.deps.connection.run((c) => c.set(full, encodeEntry(entry), 'PX', Math.ceil(retain)), this.deps.budget);
      this.bus?.queueKeys([full]);
    } catch {
      ns.stats.failedWrites++;
    }
    this.wakeWaiters(full);
    const memory = o.skipL1 ? undefined : this.memory;
    if (!memory) return { entry, value, shared: isPrimitive(value) };
    // Memory keeps its own decoded copy, so the caller's object is never frozen or shared.
    const copy = isPrimitive(value) ? value : this.deps.codec.decode(payload, full);
    const item = memory.set(full, entry, copy, o.l1Ttl, now);
    return { entry, value: item.clone ? value : copy, shared: !item.clone };
  }

  // ---------------------------------------------------------------- invalidation

  async del(ns: NamespaceRef, fulls: string[]): Promise<number> {
    for (const full of fulls) {
      this.memory?.delete(full);
      this.invalidateLocally(full);
    }
    try {
      const c = this.deps.connection;
      const removed = c.isCluster
        ? (await c.run((r) => Promise.all(fulls.map((k) => r.unlink(k))))).reduce((a, b) => a + b, 0)
        : await c.run((r) => r.unlink(...fulls));
      await this.bus?.publish({ k: fulls });
      return removed;
    } catch (cause) {
      ns.stats.errors++;
      throw new RediskitInvalidationError('del', { cause });
    }
  }

  async invalidateTags(ns: NamespaceRef, tags: string[]): Promise<void> {
    try {
      const versions = await this.tags.bump(tags);
      await this.bus?.publish({ t: versions });
    } catch (cause) {
      ns.stats.errors++;
      throw new RediskitInvalidationError('invalidateTags', { cause });
    }
  }

  /**
   * UNLINKs every key matching a full-key glob (SCAN on every master) and drops them from memory
   * everywhere. One linear-time matcher decides for memory and for the SCAN results alike.
   */
  async invalidatePattern(ns: NamespaceRef, pattern: string): Promise<number> {
    const matcher = compileGlob(pattern);
    this.memory?.deleteWhere((k) => matcher.test(k));
    this.floorEpoch = ++this.epoch;
    try {
      const removed = await unlinkMatching(this.deps.connection, matcher.scanPattern, 500, (k) => matcher.test(k));
      await this.bus?.publish({ p: [pattern] });
      return removed;
    } catch (cause) {
      ns.stats.errors++;
      throw new RediskitInvalidationError('invalidatePattern', { cause });
    }
  }

  private invalidateLocally(full: string): void {
    this.keyEpochs.set(full, ++this.epoch);
    if (this.keyEpochs.size > 10_000) {
      this.keyEpochs.clear();
      this.floorEpoch = this.epoch;
    }
  }

  private invalidatedSince(full: string, epoch: number): boolean {
    return this.floorEpoch > epoch || (this.keyEpochs.get(full) ?? 0) > epoch;
  }

  private onBusMessage(m: BusMessage): void {
    if (m.at) this.stats.busDelay.observe({}, Math.max(0, Date.now() - m.at) / 1000);
    if (m.t) this.tags.apply(m.t);
    if (m.k) {
      for (const full of m.k) {
        this.memory?.delete(full);
        this.invalidateLocally(full);
        this.wakeWaiters(full);
      }
    }
    if (m.p) {
      // Patterns were checked against the length bound when the message was read.
      const matchers = m.p.map(compileGlob);
      this.memory?.deleteWhere((k) => matchers.some((m) => m.test(k)));
      this.floorEpoch = ++this.epoch;
    }
  }

  // While the bus was down, invalidations from other instances were missed. Memory was not
  // trusted meanwhile (reads went to Redis; memory answered only when Redis did not), and is
  // reconciled before it is trusted again: every entry and tag version is dropped, and reads
  // that started before now do not fill memory with what they read.
  private onBusRestored(): void {
    this.memory?.clear();
    this.tags.clear();
    this.floorEpoch = ++this.epoch;
  }

  /** Keeps a background promise until it settles, so shutdown can wait for it. */
  track(p: Promise<unknown>): void {
    const tracked = p.catch(() => undefined);
    this.background.add(tracked);
    tracked.finally(() => this.background.delete(tracked));
  }
}

// A loader result that is not stored: concurrent callers share it as it is.
function uncached(value: unknown): Found {
  return { entry: { payload: Buffer.alloc(0), createdAt: 0, expiresAt: 0, retainUntil: 0, delta: 0, tags: undefined }, value, shared: true };
}

function isPrimitive(v: unknown): boolean {
  return v === null || typeof v !== 'object';
}
