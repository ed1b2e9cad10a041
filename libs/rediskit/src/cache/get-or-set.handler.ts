import type { Logger } from '@nestjs/common';
import type { CallOptions } from './cache-call-options.js';
import type { CacheSettings } from './cache.settings.js';
import type { CacheLoader } from './cache.options.js';
import type { CacheLock } from './cache-lock.js';
import { RediskitArgumentError, RediskitValueTooLargeError } from '../errors.js';
import { isPrimitive, type Found, type NamespaceRef } from './found.js';
import type { LoaderRunner } from './loader.runner.js';
import { EXPIRED, HIT, USABLE, type MemoryFacade } from './memory.facade.js';
import type { ReadHandler } from './read.handler.js';
import type { RedisFacade } from './redis.facade.js';
import type { TagVersions } from './tag-versions.js';
import type { WriteWaiters } from './write-waiters.js';
import type { TraceSpan } from '../tracing/tracing.js';
import { answeredBy, type FlightOutcome } from './cache.tracing.js';

/** What the get-or-set handler uses of the cache stack. */
export interface GetOrSetStack {
  readonly memory: MemoryFacade;
  readonly redis: RedisFacade;
  readonly tags: TagVersions;
  readonly lock: CacheLock;
  readonly runner: LoaderRunner;
  readonly waiters: WriteWaiters;
  readonly settings: CacheSettings;
  /** Its `readThrough` reads Redis and fills memory; Redis errors read as a miss (counted). */
  readonly reads: ReadHandler;
  track(p: Promise<unknown>): void;
}

/**
 * `getOrSet`: memory, then Redis, then the loader, once. Concurrent misses of a key in one
 * process share one flight; with `lock: true` one instance loads while the others wait for its
 * value. A stale value within grace is served at once while one refresh runs behind it, and
 * one within `staleIfError` when the loader fails; XFetch refreshes hot keys early. Redis
 * errors never reach the caller: memory serves what it has, or the loader runs.
 */
export class GetOrSetHandler {
  private readonly inflight = new Map<string, { found: Promise<Found>; outcome: FlightOutcome }>();
  private readonly refreshing = new Map<string, Promise<unknown>>();

  constructor(
    private readonly stack: GetOrSetStack,
    private readonly logger: Logger,
  ) {}

  async handle<T>(ns: NamespaceRef, full: string, loader: CacheLoader<T>, o: CallOptions, span?: TraceSpan): Promise<T> {
    const memory = this.stack.memory;
    let stale: Found | undefined;
    let fallback: Found | undefined;
    if (!o.skipL1 && memory.layer) {
      const now = Date.now();
      const item = memory.find(full, now);
      if (item !== undefined) {
        const use = memory.classify(full, item, now);
        if (use === HIT) {
          ns.stats.l1Hits++;
          answeredBy(span, 'l1');
          if (o.beta > 0) this.maybeRefreshEarly(ns, full, loader, o, memory.found(item), now);
          return memory.read<T>(item, full);
        }
        if (use === EXPIRED) stale = memory.found(item);
        else if (use === USABLE) fallback = memory.found(item);
      }
      ns.stats.l1Misses++;
    }
    // A stale value within grace is served at once; one refresh runs behind it.
    if (stale && Date.now() < stale.entry.expiresAt + (stale.entry.grace ?? o.grace)) {
      ns.stats.staleServed++;
      answeredBy(span, 'stale');
      if (!this.inflight.has(full)) this.refreshInBackground(ns, full, loader, o, stale);
      return memory.handOut(stale, full).value as T;
    }
    let flight = this.inflight.get(full);
    if (flight === undefined) {
      const outcome: FlightOutcome = { layer: 'miss' };
      flight = { found: this.readOrLoad(ns, full, loader, o, stale, fallback, outcome), outcome };
      this.inflight.set(full, flight);
      const own = flight;
      try {
        return (await own.found).value as T;
      } finally {
        // The first reaction to the flight settling (its callers' continuations come after):
        // nobody joins a settled flight.
        if (this.inflight.get(full) === own) this.inflight.delete(full);
        answeredBy(span, outcome.layer);
      }
    }
    // Callers sharing a flight were answered by what the flight found.
    const shared = await flight.found;
    answeredBy(span, flight.outcome.layer);
    return memory.handOut(shared, full).value as T;
  }

  private async readOrLoad<T>(
    ns: NamespaceRef,
    full: string,
    loader: CacheLoader<T>,
    o: CallOptions,
    stale: Found | undefined,
    fallback: Found | undefined,
    outcome: FlightOutcome,
  ): Promise<Found> {
    const memory = this.stack.memory;
    const epoch = memory.epoch;
    let redisDown = false;
    let read;
    try {
      // A corrupt entry is a miss: the loader runs and its value replaces the entry.
      read = await this.stack.redis.read(ns, full);
    } catch {
      ns.stats.errors++;
      redisDown = true;
      if (fallback && Date.now() < fallback.entry.expiresAt) {
        outcome.layer = 'l1';
        return memory.handOut(fallback, full);
      }
    }
    if (read !== undefined) {
      const now = Date.now();
      const { entry, value } = read;
      const shared = o.skipL1 ? isPrimitive(value) : memory.fill(full, entry, value, o.l1Ttl, now, epoch);
      const found: Found = { entry, value, shared };
      if (now < entry.expiresAt) {
        ns.stats.l2Hits++;
        outcome.layer = 'l2';
        this.maybeRefreshEarly(ns, full, loader, o, found, now);
        return found;
      }
      ns.stats.l2Misses++;
      stale = found;
      if (now < entry.expiresAt + (entry.grace ?? o.grace)) {
        ns.stats.staleServed++;
        outcome.layer = 'stale';
        this.refreshInBackground(ns, full, loader, o, stale);
        return found;
      }
    } else if (!redisDown) {
      ns.stats.l2Misses++;
    }
    return this.load(ns, full, loader, o, stale, redisDown, false, outcome);
  }

  /**
   * Runs the loader (with the stampede lock when asked), stores its value and returns it.
   * Tag versions are read before the loader runs: an invalidation during the load leaves the
   * new entry stale, which is right, since the loader may have read the old data.
   */
  private async load<T>(
    ns: NamespaceRef,
    full: string,
    loader: CacheLoader<T>,
    o: CallOptions,
    stale: Found | undefined,
    redisDown: boolean,
    inBackground: boolean,
    outcome?: FlightOutcome,
  ): Promise<Found> {
    const { tags, lock } = this.stack;
    let versions: Map<string, number> | undefined | null;
    if (o.expandedTags && !redisDown) {
      versions = await tags.current(o.expandedTags).catch(() => {
        ns.stats.errors++;
        return null;
      });
    } else if (o.expandedTags) versions = null;
    let token: string | undefined;
    const lockKey = ns.lockPrefix + full.slice(ns.prefix.length);
    if (o.lock && !redisDown) {
      try {
        token = await lock.acquire(lockKey, this.stack.settings.lockTtl);
        if (token !== undefined && !inBackground) {
          // The previous holder may have stored the value between our miss and our lock.
          const fresh = await this.stack.reads.readThrough(ns, full, !o.skipL1);
          if (fresh && Date.now() < fresh.entry.expiresAt) {
            await lock.release(lockKey, token);
            if (outcome) outcome.layer = 'l2';
            return fresh;
          }
        }
        if (token === undefined) {
          if (inBackground && stale) return stale; // another instance refreshes
          const won = await this.waitForValue(ns, full, lockKey, o);
          if (won) {
            if (outcome) outcome.layer = 'l2'; // another instance loaded it
            return won;
          }
        }
      } catch {
        ns.stats.errors++;
      }
    }
    const release = () => {
      if (token) lock.release(lockKey, token).catch(() => undefined);
    };
    try {
      return await this.stack.runner.run({ ns, full, loader, o, versions, stale, redisDown, release });
    } catch (error) {
      // A value the cache refuses, or a bad option the loader set, is thrown: a stale value would hide it.
      const refused = error instanceof RediskitValueTooLargeError || error instanceof RediskitArgumentError;
      if (!refused && stale && Date.now() < stale.entry.expiresAt + (stale.entry.staleIfError ?? o.staleIfError)) {
        ns.stats.staleServed++;
        if (outcome) outcome.layer = 'stale';
        return this.stack.memory.handOut(stale, full);
      }
      throw error;
    }
  }

  /** Another instance holds the lock: wait for its value (woken by the bus, else polling). */
  private async waitForValue(ns: NamespaceRef, full: string, lockKey: string, o: CallOptions): Promise<Found | undefined> {
    const deadline = Date.now() + this.stack.settings.lockWait;
    let pause = 5;
    while (Date.now() < deadline) {
      await this.stack.waiters.next(full, Math.min(pause, deadline - Date.now()));
      pause = Math.min(pause * 2, 100);
      const found = await this.stack.reads.readThrough(ns, full, !o.skipL1);
      if (found && Date.now() < found.entry.expiresAt) return found;
      if (!(await this.stack.lock.isHeld(lockKey))) {
        const last = await this.stack.reads.readThrough(ns, full, !o.skipL1);
        return last && Date.now() < last.entry.expiresAt ? last : undefined;
      }
    }
    return undefined;
  }

  private refreshInBackground<T>(ns: NamespaceRef, full: string, loader: CacheLoader<T>, o: CallOptions, stale: Found | undefined): void {
    // Not `inflight`: a stale value read from Redis is returned by the flight itself, and the
    // refresh must still run behind it.
    if (this.refreshing.has(full)) return;
    const run = this.load(ns, full, loader, o, stale, false, true).catch((e: Error) => {
      this.logger.debug(`background refresh of "${full}" failed: ${e.message}`);
    });
    this.refreshing.set(full, run);
    this.stack.track(run.finally(() => this.refreshing.delete(full)));
  }

  // XFetch (Vattani et al.): refresh early with a probability that rises as expiry nears, scaled
  // by how long the last load took, so one caller refreshes before everyone misses at once.
  private maybeRefreshEarly<T>(ns: NamespaceRef, full: string, loader: CacheLoader<T>, o: CallOptions, found: Found, now: number): void {
    if (o.beta <= 0 || found.entry.delta <= 0) return;
    if (now - found.entry.delta * o.beta * Math.log(Math.random()) >= found.entry.expiresAt) {
      this.refreshInBackground(ns, full, loader, o, found);
    }
  }
}
