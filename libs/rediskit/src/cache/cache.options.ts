import type { Duration } from '../options/duration.js';

/** Soft and hard limits for a `getOrSet` loader. A plain duration is the hard limit. */
export interface LoaderTimeout {
  /** After this long, serve a stale value (if there is one) while the loader keeps running. @default none */
  soft?: Duration;
  /** After this long, give up: serve stale or throw `RediskitLoaderTimeoutError`. @default none */
  hard?: Duration;
}

/**
 * What a decorator's `adapt` function decides about the value a method produced (adaptive
 * caching): `ttl`, `grace` and `staleIfError` replace the options for this value only (a
 * grace or stale-if-error period chosen so is stored with the entry and used by every
 * instance that reads it), `tags` are added to the entry's tags, and `skip: true` returns
 * the value without storing it.
 *
 * @example
 * const adapt = (user: User): CacheAdaptation => (user.plan === 'trial' ? { ttl: '30s' } : { tags: [`org:${user.orgId}`] });
 */
export interface CacheAdaptation {
  ttl?: Duration;
  grace?: Duration;
  staleIfError?: Duration;
  /** Added to the entry's tags. */
  tags?: string[];
  skip?: boolean;
}

/**
 * Handed to a `getOrSet` loader: the options of this call, which the loader may change from
 * the value it produces (adaptive caching). Fields start as the call's options (durations in
 * ms, `tags` a copy of the call's tags); what the loader sets is validated when it returns,
 * and a bad value fails the call with `RediskitArgumentError` naming it. A grace or
 * stale-if-error period the loader sets is stored with the entry: every instance reading it
 * uses that period rather than the one its own call gives.
 *
 * @example
 * await cache.getOrSet(`rate:${pair}`, async (ctx) => {
 *   const quote = await api.quote(pair);
 *   if (quote.stale) ctx.skip();            // returned, not stored
 *   else ctx.ttl = quote.market === 'open' ? '5s' : '1h';
 *   ctx.tags.push(`market:${quote.market}`);
 *   return quote;
 * });
 */
export interface CacheLoaderContext {
  /** Freshness of the value (default: the call's `ttl`). */
  ttl: Duration;
  /** Stale-while-revalidate period (default: the call's `grace`). */
  grace: Duration;
  /** Stale-if-error period (default: the call's `staleIfError`). */
  staleIfError: Duration;
  /** Tags of the value (default: a copy of the call's `tags`). */
  tags: string[];
  /** Return the value without storing it. */
  skip(): void;
}

/** A `getOrSet` loader; it may ignore the context. */
export type CacheLoader<T> = (ctx: CacheLoaderContext) => T | Promise<T>;

/** Options of one `set` / `getOrSet` call; each falls back to the module's `cache` options. */
export interface CacheSetOptions {
  /** Time to live in Redis (logical freshness). @default `cache.defaultTtl` */
  ttl?: Duration;
  /** Time to live in the memory layer (never longer than what is left of `ttl`). @default `cache.l1.ttl` */
  l1Ttl?: Duration;
  /**
   * Tags for `invalidateTags`; `user:1` is also invalidated by `user`. A function of the value
   * gives tags only the value knows (`(user) => [`user:${user.id}`]` for a lookup by e-mail):
   * called with what the loader (or `set`) produced, checked against invalidations made while
   * the loader ran (see docs/cache.md, tags known only after the load).
   * @default none
   */
  tags?: string[] | ((value: any) => string[]);
  /** Keep serving the value this long after `ttl` while one refresh runs (stale-while-revalidate). @default `cache.grace` */
  grace?: Duration;
  /** Serve the expired value this long after `ttl` when the loader fails. @default `cache.staleIfError` */
  staleIfError?: Duration;
  /** Loader time limits (soft: serve stale, hard: give up). @default `cache.timeout` */
  timeout?: Duration | LoaderTimeout;
  /** Neither read nor write the memory layer. @default false */
  skipL1?: boolean;
  /** Across instances, only one loader runs for a key (a short Redis lock); others wait for its value. @default false */
  lock?: boolean;
  /** Probabilistic early refresh (XFetch): `true` (beta 1) or a beta; larger refreshes earlier. @default `cache.earlyRefresh` */
  earlyRefresh?: boolean | number;
  /** `getOrSet`: store the loaded value only when this returns true (`undefined` is never stored). @default always */
  cacheIf?: (value: unknown) => boolean;
}

/** One entry for `setMany`. */
export interface CacheEntryInput<T = unknown> extends CacheSetOptions {
  key: string;
  value: T;
}

/** One entry for `warm`: loaded only when missing. */
export interface CacheWarmInput<T = unknown> extends CacheSetOptions {
  key: string;
  loader: CacheLoader<T>;
}

/**
 * What an invalidation does when Redis (or the bus) cannot be reached: `'queue'` (default)
 * applies it to this instance, keeps it and replays it as soon as Redis answers (the call
 * resolves, telling it is pending); `'throw'` applies it to this instance and throws
 * `RediskitInvalidationError` (the behaviour before auto-recovery).
 */
export type OnUnreachable = 'queue' | 'throw';

/** Options of `del`, `invalidateTags`, `invalidatePattern`, `clear` and `invalidateModel`. */
export interface InvalidateOptions {
  /** What this call does when Redis cannot be reached. @default `cache.invalidation.onUnreachable` */
  onUnreachable?: OnUnreachable;
}

/**
 * What `invalidateTags` (and `invalidateModel`, `HttpCacheService.invalidateTags`) resolve
 * with: `pending` when Redis or the bus could not be reached and the invalidation waits to be
 * replayed (it already applies to this instance).
 *
 * @example
 * const { pending } = await cache.invalidateTags([`user:${id}`]);
 * if (pending) audit.note('other instances will drop user ' + id + ' once Redis answers');
 */
export interface InvalidationOutcome {
  pending: boolean;
}

/**
 * What `CacheService.onInvalidated` listeners hear: the tags of an `invalidateTags` (or
 * `invalidateModel`) call, or the namespace of a `clear()`, made through this instance in any
 * namespace, whether Redis could be reached or not (a CDN can be purged regardless).
 *
 * @example
 * cache.onInvalidated((e) => (e.tags ? purge(e.tags) : purgeAll()));
 */
export type CacheInvalidatedEvent = { tags: string[]; namespace: string; cleared?: undefined } | { cleared: true; namespace: string; tags?: undefined };

/** Options of `get` / `has`. */
export interface CacheGetOptions {
  /** Read Redis, not the memory layer. @default false */
  skipL1?: boolean;
}

/** Persists batches of written entries (write-behind); throw to have the batch retried. */
export type PersistFn = (batch: { key: string; namespace: string; value: unknown }[]) => Promise<void>;

/** The `cache` section of the module options. Everything is optional. */
export interface CacheOptions {
  /** TTL when a call gives none. @default `'1m'` */
  defaultTtl?: Duration;
  /** The memory layer; `false` turns it off. @default on, with the defaults of its options */
  l1?:
    | false
    | {
        /** Most entries kept. @default 10 000 */
        maxEntries?: number;
        /** Most bytes kept, counted as encoded size. @default 64 MiB */
        maxBytes?: number;
        /** Default memory TTL. @default the entry's TTL */
        ttl?: Duration;
        /**
         * How callers are kept from changing cached values: `'freeze'` returns a deeply frozen
         * shared value; `'clone'` decodes a fresh copy on every hit.
         * @default `'freeze'`
         */
        mode?: 'freeze' | 'clone';
        /**
         * How memory copies learn that Redis changed: `'bus'` (this library's writes and
         * invalidations, announced on pub/sub); `'tracking'` (Redis itself, through
         * server-assisted client-side caching in broadcast mode on the cache's key prefix: any
         * writer, a script, redis-cli, another service). Tag and pattern invalidations still
         * travel on the bus. See docs/cache.md, coherence.
         * @default `'bus'`
         */
        coherence?: 'bus' | 'tracking';
      };
  /** Largest encoded value accepted; larger values throw `RediskitValueTooLargeError`. @default 4 MiB */
  maxValueSize?: number;
  /** Grace (stale-while-revalidate) period of every entry. @default 0: none */
  grace?: Duration;
  /** Stale-if-error period of every entry. @default 0: none */
  staleIfError?: Duration;
  /** Loader timeouts of every `getOrSet`. @default none */
  timeout?: Duration | LoaderTimeout;
  /** Cross-instance invalidation over pub/sub. @default on */
  bus?: boolean;
  /** The cross-instance stampede lock used with `lock: true`. */
  lock?: {
    /** Lock lifetime, a bound on one load. @default 10s */
    ttl?: Duration;
    /** How long other instances wait for the winner's value before loading themselves. @default lock ttl */
    wait?: Duration;
  };
  /** Early refresh (XFetch) of every entry: `true` (beta 1) or a beta. @default false */
  earlyRefresh?: boolean | number;
  /** Write-behind queue used by `setBehind`. */
  writeBehind?: {
    persist: PersistFn;
    /** Entries per persist call. @default 100 */
    batchSize?: number;
    /** Flush at least this often. @default 1s */
    flushInterval?: Duration;
    /** Retries of a failed batch, exponential backoff. @default 5 */
    retries?: number;
    /** Most entries queued; `setBehind` waits for a flush beyond it. @default 10 000 */
    maxQueue?: number;
  };
  /**
   * Invalidations that cannot reach Redis or the bus (auto-recovery; see docs/cache.md, when
   * Redis fails).
   */
  invalidation?: {
    /** `'queue'`: keep and replay when Redis answers; `'throw'`: throw `RediskitInvalidationError`. @default `'queue'` */
    onUnreachable?: OnUnreachable;
    /** Most invalidations kept (keys, tags and patterns, each once); beyond, their namespaces are cleared when Redis answers. @default 10 000 */
    maxPending?: number;
  };
  /** Named connection to use. @default the default connection */
  connection?: string;
  /**
   * Time budget of each Redis call of this capability: it settles within it whatever the
   * connection is doing. See docs/failure-modes.md.
   * @default the connection's `commandTimeout`
   */
  commandTimeout?: Duration;
}

declare module '../options/redis-module-options.js' {
  interface RedisModuleOptions {
    /** The multi-layer cache (`CacheService`, `@Cacheable`). */
    cache?: CacheOptions;
  }
}
