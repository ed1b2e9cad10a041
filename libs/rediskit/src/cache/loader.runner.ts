import { adaptCallOptions, tagsOfValue, type CallOptions } from './cache-call-options.js';
import type { CacheLoader } from './cache.options.js';
import { RediskitLoaderTimeoutError } from '../errors.js';
import { uncached, type Found, type NamespaceRef } from './found.js';
import { LoaderContext } from './loader-context.js';
import type { MemoryFacade } from './memory.facade.js';
import type { TagVersions } from './tag-versions.js';

/** Stores a loaded value (encode, Redis, memory, bus) and returns it as callers get it. */
export type StoreLoaded = (
  ns: NamespaceRef,
  full: string,
  value: unknown,
  o: CallOptions,
  versions: Map<string, number> | undefined | null,
  delta: number,
  writeRedis: boolean,
) => Promise<Found>;

/** One load to run: what `getOrSet` decided before calling the loader. */
export interface Load<T> {
  ns: NamespaceRef;
  full: string;
  loader: CacheLoader<T>;
  o: CallOptions;
  /** Tag versions read before the loader runs (`null`: Redis could not tell them). */
  versions: Map<string, number> | undefined | null;
  /** A stale value the soft timeout may serve. */
  stale: Found | undefined;
  /** Redis just failed a read for this call: the value goes to memory only. */
  redisDown: boolean;
  /** Called once the load settles (releases the stampede lock). */
  release: () => void;
}

// The value's tags were invalidated while it loaded: it is returned, not stored.
const RACED = Symbol('raced');

/**
 * Runs loaders: counts the call, times it (for early refresh), hands the loader its context
 * (adaptive caching: it may change ttl, grace, tags or skip storing), stores what it returns
 * unless it is `undefined`, skipped or refused by `cacheIf`, and applies the loader timeouts.
 * A timed-out load keeps running in the background and is still stored when it finishes.
 */
export class LoaderRunner {
  constructor(
    private readonly store: StoreLoaded,
    private readonly memory: MemoryFacade,
    private readonly tags: TagVersions,
    private readonly track: (p: Promise<unknown>) => void,
  ) {}

  run<T>(load: Load<T>): Promise<Found> {
    const { ns, full, o } = load;
    ns.stats.loaderCalls++;
    const started = performance.now();
    // Read before the loader starts: tags known only after it are checked against it.
    const since = this.tags.sequence;
    const ctx = new LoaderContext(o);
    // Counted here rather than by a `.catch` on the result: one promise less per load.
    const counted = (async () => {
      try {
        const value = await load.loader(ctx);
        if (ctx.skipped || value === undefined || (o.cacheIf && !o.cacheIf(value))) return uncached(value);
        const key = full.slice(ns.prefix.length);
        // Tags the value gives (`tags: (value) => [...]`) join those the loader set.
        if (o.tagsOf && Array.isArray(ctx.tags)) ctx.tags.push(...tagsOfValue(o.tagsOf, value, key));
        const adapted = adaptCallOptions(o, ctx, key);
        const versions = adapted.expandedTags === o.expandedTags ? load.versions : await this.versionsAfter(load, adapted, since);
        if (versions === RACED) return uncached(value);
        return await this.store(ns, full, value, adapted, versions, performance.now() - started, !load.redisDown);
      } catch (e) {
        ns.stats.loaderErrors++;
        throw e;
      } finally {
        load.release();
      }
    })();
    return this.withTimeouts(ns, full, counted, o, load.stale);
  }

  /**
   * Tag versions for tags the loader set (or the value gave): those known before the load
   * keep the versions read then; the others are read now and accepted only when none was
   * invalidated since the load started (`TagVersions.settled`), else the value is not stored.
   * `null` when Redis cannot tell (the value is then not stored either, as with any tagged
   * value while Redis is away).
   */
  private async versionsAfter(load: Load<unknown>, o: CallOptions, since: number): Promise<Map<string, number> | undefined | null | typeof RACED> {
    if (!o.expandedTags) return undefined;
    if (load.versions === null || load.redisDown) return null;
    const versions = new Map<string, number>();
    const later: string[] = [];
    for (const tag of o.expandedTags) {
      const known = load.versions?.get(tag);
      if (known === undefined) later.push(tag);
      else versions.set(tag, known);
    }
    if (later.length === 0) return versions;
    let settled: Map<string, number> | undefined;
    try {
      settled = await this.tags.settled(later, since);
    } catch {
      load.ns.stats.errors++;
      return null;
    }
    if (!settled) return RACED;
    for (const [tag, version] of settled) versions.set(tag, version);
    return versions;
  }

  /** Soft timeout: serve stale if there is one. Hard timeout: give up. The load continues and is stored. */
  private withTimeouts(ns: NamespaceRef, full: string, counted: Promise<Found>, o: CallOptions, stale: Found | undefined): Promise<Found> {
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
            resolve(this.memory.handOut(stale!, full));
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
}
