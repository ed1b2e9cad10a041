import { isPrimitive, type Found, type NamespaceRef } from './found.js';
import { HIT, USABLE, type MemoryFacade } from './memory.facade.js';
import type { ReadContinuation, RedisFacade, RedisRead } from './redis.facade.js';
import type { TraceSpan } from '../tracing/tracing.js';
import { answeredBy } from './cache.tracing.js';

/**
 * Plain reads through both layers (`get`, `ttl`): memory, then Redis, which fills memory; and
 * that Redis read on its own, which `getOrSet` uses. A Redis failure never reaches the
 * caller: it reads as a miss, or as memory's value while that is still fresh.
 */
export class ReadHandler {
  constructor(
    private readonly memory: MemoryFacade,
    private readonly redis: RedisFacade,
    /** `cache.l1.ttl` (Infinity: the entry's own). */
    private readonly l1Ttl: number,
  ) {}

  // Not async: an L1 hit resolves at once, and each async frame is a microtask hop, which is
  // measurable on a hit (bench `cache`).
  get<T>(ns: NamespaceRef, full: string, skipL1: boolean, span?: TraceSpan): Promise<T | undefined> {
    const memory = this.memory;
    const useMemory = !skipL1 && memory.layer !== undefined;
    let fallback: Found | undefined;
    if (useMemory) {
      const now = Date.now();
      const item = memory.find(full, now);
      if (item !== undefined) {
        const use = memory.classify(full, item, now);
        if (use === HIT) {
          ns.stats.l1Hits++;
          answeredBy(span, 'l1');
          return Promise.resolve(memory.read<T>(item, full));
        }
        if (use === USABLE) fallback = memory.found(item);
      }
      ns.stats.l1Misses++;
    }
    return this.twoTier(ns, full, useMemory, fallback, true, span) as Promise<T | undefined>;
  }

  /**
   * The value of an L1 hit, synchronously: memory only, Redis is never asked. A miss is not
   * counted (the caller reads again through {@link get}, which counts it).
   */
  peek<T>(ns: NamespaceRef, full: string): T | undefined {
    const memory = this.memory;
    if (memory.layer === undefined) return undefined;
    const now = Date.now();
    const item = memory.find(full, now);
    if (item === undefined || memory.classify(full, item, now) !== HIT) return undefined;
    ns.stats.l1Hits++;
    return memory.read<T>(item, full);
  }

  /** Remaining freshness in ms, or undefined when missing. */
  async ttl(ns: NamespaceRef, full: string): Promise<number | undefined> {
    let entry = this.memory.trustedEntry(full, Date.now());
    if (!entry) entry = (await this.redis.read(ns, full, false).catch(() => undefined))?.entry;
    const left = entry ? entry.expiresAt - Date.now() : 0;
    return left > 0 ? left : undefined;
  }

  /** Reads Redis and fills memory (stale entries too: retained for grace / stale-if-error). Redis errors read as a miss. */
  readThrough(ns: NamespaceRef, full: string, useMemory: boolean): Promise<Found | undefined> {
    return this.twoTier(ns, full, useMemory, undefined, false) as Promise<Found | undefined>;
  }

  /**
   * Reads Redis and fills memory. On a Redis failure returns `fallback` (a memory entry still
   * fresh), else undefined. With `freshValue`: the fresh value itself, or undefined (what `get`
   * returns); else the entry found, stale or not. Not async: see `RedisFacade.readWith`.
   */
  private twoTier(ns: NamespaceRef, full: string, useMemory: boolean, fallback: Found | undefined, freshValue: boolean, span?: TraceSpan): Promise<unknown> {
    return this.redis.readWith(ns, full, true, new TwoTierRead(this.memory, this.l1Ttl, ns, full, useMemory, fallback, freshValue, span));
  }
}

/** The end of one two-tier read, as one object (two closures per read cost more on an L2 hit). */
class TwoTierRead implements ReadContinuation<unknown> {
  // Read before Redis is asked (see `MemoryFacade.fill`).
  private readonly epoch: number;

  constructor(
    private readonly memory: MemoryFacade,
    private readonly l1Ttl: number,
    private readonly ns: NamespaceRef,
    private readonly full: string,
    private readonly useMemory: boolean,
    private readonly fallback: Found | undefined,
    private readonly freshValue: boolean,
    private readonly span: TraceSpan | undefined,
  ) {
    this.epoch = memory.epoch;
  }

  use(read: RedisRead | undefined): unknown {
    const { ns, span } = this;
    if (read === undefined) {
      ns.stats.l2Misses++;
      answeredBy(span, 'miss');
      return undefined;
    }
    const { entry, value } = read;
    const now = Date.now();
    const fresh = now < entry.expiresAt;
    if (fresh) ns.stats.l2Hits++;
    else ns.stats.l2Misses++;
    answeredBy(span, fresh ? 'l2' : 'miss');
    const shared = this.useMemory ? this.memory.fill(this.full, entry, value, this.l1Ttl, now, this.epoch) : isPrimitive(value);
    if (this.freshValue) return fresh ? value : undefined;
    return { entry, value, shared };
  }

  failed(): unknown {
    this.ns.stats.errors++;
    const fallback = this.fallback;
    const usable = fallback && Date.now() < fallback.entry.expiresAt ? this.memory.handOut(fallback, this.full) : undefined;
    answeredBy(this.span, usable ? 'l1' : 'miss');
    return this.freshValue ? usable?.value : usable;
  }
}
