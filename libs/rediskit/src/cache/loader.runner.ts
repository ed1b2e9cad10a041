import type { CallOptions } from './cache-call-options.js';
import { RediskitLoaderTimeoutError } from './cache.errors.js';
import { uncached, type Found, type NamespaceRef } from './found.js';
import type { MemoryFacade } from './memory.facade.js';

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
  loader: () => T | Promise<T>;
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

/**
 * Runs loaders: counts the call, times it (for early refresh), stores what it returns unless
 * it is `undefined` or `cacheIf` refuses it, and applies the loader timeouts. A timed-out load
 * keeps running in the background and is still stored when it finishes.
 */
export class LoaderRunner {
  constructor(
    private readonly store: StoreLoaded,
    private readonly memory: MemoryFacade,
    private readonly track: (p: Promise<unknown>) => void,
  ) {}

  run<T>(load: Load<T>): Promise<Found> {
    const { ns, full, o } = load;
    ns.stats.loaderCalls++;
    const started = performance.now();
    const loading = (async () => {
      try {
        const value = await load.loader();
        if (value === undefined || (o.cacheIf && !o.cacheIf(value))) return uncached(value);
        return await this.store(ns, full, value, o, load.versions, performance.now() - started, !load.redisDown);
      } finally {
        load.release();
      }
    })();
    return this.withTimeouts(ns, full, loading, o, load.stale);
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
