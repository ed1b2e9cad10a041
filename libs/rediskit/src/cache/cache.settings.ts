import type { ByNodeEnv } from '../options/by-node-env.js';
import { toMs, toPositiveMs } from '../options/duration.js';
import { betaOf, splitTimeout } from './cache-call-options.js';
import type { CacheOptions, OnUnreachable, PersistFn } from './cache.options.js';
import type { MemoryLayerOptions } from './memory-layer.js';

/** What the `cache` options default to (their `@default` tags say the same). */
export const CACHE_DEFAULTS = {
  defaultTtl: 60_000,
  maxValueSize: 4 * 1024 * 1024,
  grace: 0,
  staleIfError: 0,
  earlyRefresh: false,
  bus: true,
  l1: { maxEntries: 10_000, maxBytes: 64 * 1024 * 1024, mode: 'freeze', coherence: 'bus' },
  /** `lock.wait` defaults to the lock's ttl. */
  lock: { ttl: 10_000 },
  invalidation: { onUnreachable: 'queue', maxPending: 10_000 },
  writeBehind: { batchSize: 100, flushInterval: 1000, retries: 5, maxQueue: 10_000 },
} as const;

/** What CACHE_DEFAULT_TTL defaults to, by NODE_ENV (`cache.defaultTtl` itself defaults to `CACHE_DEFAULTS.defaultTtl`). */
export const CACHE_ENV_DEFAULTS: ByNodeEnv<{ defaultTtl: string }> = {
  development: { defaultTtl: '1m' },
  production: { defaultTtl: '5m' },
  test: { defaultTtl: '10s' },
};

/** `cache.l1` with every default applied. */
export interface MemorySettings extends MemoryLayerOptions {
  coherence: 'bus' | 'tracking';
}

/** `cache.writeBehind` with every default applied, durations in ms. */
export interface WriteBehindSettings {
  persist: PersistFn;
  batchSize: number;
  flushInterval: number;
  retries: number;
  maxQueue: number;
}

/** The `cache` options with every default applied, durations in ms; per-call options start from them. */
export interface CacheSettings {
  connection?: string;
  /** Unset: the connection's `commandTimeout`. */
  commandTimeout?: number;
  /** `defaultTtl`. */
  ttl: number;
  /** `l1.ttl`; Infinity: the entry's own TTL. */
  l1Ttl: number;
  grace: number;
  staleIfError: number;
  /** Loader timeouts (`timeout`). */
  soft: number | undefined;
  hard: number | undefined;
  /** XFetch beta of `earlyRefresh`; 0 = off. */
  beta: number;
  lockTtl: number;
  lockWait: number;
  maxValueSize: number;
  /** What invalidations do when Redis cannot be reached. */
  onUnreachable: OnUnreachable;
  /** Most pending invalidations before an overflow. */
  maxPending: number;
  /** The memory layer; `false`: off. */
  l1: MemorySettings | false;
  /** The cross-instance invalidation bus is on. */
  bus: boolean;
  /** Unset: `setBehind` is not configured. */
  writeBehind: WriteBehindSettings | undefined;
}

/** Applies the defaults of {@link CacheOptions}; bad values throw errors naming the option. */
export function resolveCacheSettings(options: CacheOptions = {}): CacheSettings {
  const commandTimeout = options.commandTimeout === undefined ? undefined : toPositiveMs(options.commandTimeout, 'cache.commandTimeout');
  const timeout = splitTimeout(options.timeout, 'cache.timeout', '');
  const lockTtl = toPositiveMs(options.lock?.ttl ?? CACHE_DEFAULTS.lock.ttl, 'cache.lock.ttl');
  const l1 = options.l1;
  return {
    connection: options.connection,
    commandTimeout,
    ttl: toPositiveMs(options.defaultTtl ?? CACHE_DEFAULTS.defaultTtl, 'cache.defaultTtl'),
    l1Ttl: l1 && l1.ttl !== undefined ? toPositiveMs(l1.ttl, 'cache.l1.ttl') : Infinity,
    grace: toMs(options.grace ?? CACHE_DEFAULTS.grace, 'cache.grace'),
    staleIfError: toMs(options.staleIfError ?? CACHE_DEFAULTS.staleIfError, 'cache.staleIfError'),
    soft: timeout.soft,
    hard: timeout.hard,
    beta: betaOf(options.earlyRefresh === undefined ? CACHE_DEFAULTS.earlyRefresh : options.earlyRefresh),
    lockTtl,
    lockWait: options.lock?.wait !== undefined ? toMs(options.lock.wait, 'cache.lock.wait') : lockTtl,
    maxValueSize: options.maxValueSize ?? CACHE_DEFAULTS.maxValueSize,
    onUnreachable: options.invalidation?.onUnreachable ?? CACHE_DEFAULTS.invalidation.onUnreachable,
    maxPending: options.invalidation?.maxPending ?? CACHE_DEFAULTS.invalidation.maxPending,
    l1:
      l1 === false
        ? false
        : {
            maxEntries: l1?.maxEntries ?? CACHE_DEFAULTS.l1.maxEntries,
            maxBytes: l1?.maxBytes ?? CACHE_DEFAULTS.l1.maxBytes,
            mode: l1?.mode ?? CACHE_DEFAULTS.l1.mode,
            coherence: l1?.coherence ?? CACHE_DEFAULTS.l1.coherence,
          },
    bus: (options.bus ?? CACHE_DEFAULTS.bus) !== false,
    writeBehind: options.writeBehind ? resolveWriteBehind(options.writeBehind) : undefined,
  };
}

function resolveWriteBehind(w: NonNullable<CacheOptions['writeBehind']>): WriteBehindSettings {
  const d = CACHE_DEFAULTS.writeBehind;
  return {
    persist: w.persist,
    batchSize: w.batchSize ?? d.batchSize,
    flushInterval: toPositiveMs(w.flushInterval ?? d.flushInterval, 'cache.writeBehind.flushInterval'),
    retries: w.retries ?? d.retries,
    maxQueue: w.maxQueue ?? d.maxQueue,
  };
}
