import type { Duration } from '../options/duration.js';

/** Soft and hard limits for a `getOrSet` loader. A plain duration is the hard limit. */
export interface LoaderTimeout {
  /** After this long, serve a stale value (if there is one) while the loader keeps running. */
  soft?: Duration;
  /** After this long, give up: serve stale or throw `RediskitLoaderTimeoutError`. */
  hard?: Duration;
}

/** Options of one `set` / `getOrSet` call; each falls back to the module's `cache` options. */
export interface CacheSetOptions {
  /** Time to live in Redis (logical freshness). */
  ttl?: Duration;
  /** Time to live in the memory layer (never longer than what is left of `ttl`). */
  l1Ttl?: Duration;
  /** Tags for `invalidateTags`; `user:1` is also invalidated by `user`. */
  tags?: string[];
  /** Keep serving the value this long after `ttl` while one refresh runs (stale-while-revalidate). */
  grace?: Duration;
  /** Serve the expired value this long after `ttl` when the loader fails. */
  staleIfError?: Duration;
  /** Loader time limits (soft: serve stale, hard: give up). */
  timeout?: Duration | LoaderTimeout;
  /** Neither read nor write the memory layer. */
  skipL1?: boolean;
  /** Across instances, only one loader runs for a key (a short Redis lock); others wait for its value. */
  lock?: boolean;
  /** Probabilistic early refresh (XFetch): `true` (beta 1) or a beta; larger refreshes earlier. */
  earlyRefresh?: boolean | number;
  /** `getOrSet`: store the loaded value only when this returns true (`undefined` is never stored). */
  cacheIf?: (value: unknown) => boolean;
}

/** Options of `get` / `has`. */
export interface CacheGetOptions {
  skipL1?: boolean;
}

/** Persists batches of written entries (write-behind); throw to have the batch retried. */
export type PersistFn = (batch: { key: string; namespace: string; value: unknown }[]) => Promise<void>;

/** The `cache` section of the module options. Everything is optional. */
export interface CacheOptions {
  /** TTL when a call gives none (default `'1m'`). */
  defaultTtl?: Duration;
  /** The memory layer; `false` turns it off. */
  l1?:
    | false
    | {
        /** Most entries kept (default 10 000). */
        maxEntries?: number;
        /** Most bytes kept, counted as encoded size (default 64 MiB). */
        maxBytes?: number;
        /** Default memory TTL (default: the entry's TTL). */
        ttl?: Duration;
        /**
         * How callers are kept from changing cached values: `'freeze'` (default) returns a deeply
         * frozen shared value; `'clone'` decodes a fresh copy on every hit.
         */
        mode?: 'freeze' | 'clone';
      };
  /** Largest encoded value accepted (default 4 MiB); larger values throw `RediskitValueTooLargeError`. */
  maxValueSize?: number;
  /** Default grace (stale-while-revalidate) period; default none. */
  grace?: Duration;
  /** Default stale-if-error period; default none. */
  staleIfError?: Duration;
  /** Default loader timeouts; default none. */
  timeout?: Duration | LoaderTimeout;
  /** Cross-instance invalidation over pub/sub (default on). */
  bus?: boolean;
  /** The cross-instance stampede lock used with `lock: true`. */
  lock?: {
    /** Lock lifetime, a bound on one load (default 10s). */
    ttl?: Duration;
    /** How long other instances wait for the winner's value before loading themselves (default: lock ttl). */
    wait?: Duration;
  };
  /** Default early refresh (XFetch) beta; default off. */
  earlyRefresh?: boolean | number;
  /** Write-behind queue used by `setBehind`. */
  writeBehind?: {
    persist: PersistFn;
    /** Entries per persist call (default 100). */
    batchSize?: number;
    /** Flush at least this often (default 1s). */
    flushInterval?: Duration;
    /** Retries of a failed batch, exponential backoff (default 5). */
    retries?: number;
    /** Most entries queued; `setBehind` waits for a flush beyond it (default 10 000). */
    maxQueue?: number;
  };
  /** Named connection to use (default: the default connection). */
  connection?: string;
  /**
   * Time budget of each Redis call of this capability: it settles within it whatever the
   * connection is doing (default: the connection's `commandTimeout`). See docs/failure-modes.md.
   */
  commandTimeout?: Duration;
}

declare module '../options/redis-module-options.js' {
  interface RedisModuleOptions {
    /** The multi-layer cache (`CacheService`, `@Cacheable`). */
    cache?: CacheOptions;
  }
}
