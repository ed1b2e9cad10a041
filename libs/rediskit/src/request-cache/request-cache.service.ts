import { Inject, Injectable } from '@nestjs/common';
import { currentRequestContext } from '../context/request-context.js';
import { RediskitArgumentError } from '../errors.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { RedisModuleOptions } from '../options/redis-module-options.js';
import { REDIS_MODULE_OPTIONS } from '../redis.constants.js';
import { boundedKey } from './request-cache.key.js';
import { RequestCacheMetrics } from './request-cache.metrics.js';
import { resolveRequestCacheSettings } from './request-cache.settings.js';

/** One request cache's entries in a request's memory (each module's RequestCache has its own). */
type Entries = Map<string, unknown>;

/**
 * Memoization within one request, in memory (never Redis): the same call made twice while
 * serving one request runs once, and concurrent identical calls share one promise. Entries
 * live in the request context (`AsyncLocalStorage`), so concurrent requests never see each
 * other's, and they are dropped when the request ends. Outside any request (boot, a timer
 * not wrapped in `runInRequestContext`) calls run uncached. A rejected promise is not kept: a
 * later call in the same request runs again.
 *
 * @example
 * const user = await requestCache.getOrSet(`user:${id}`, () => this.db.user.find(id));
 */
@Injectable()
export class RequestCache {
  private readonly slot = Symbol('rediskit:request-cache');
  private readonly maxEntries: number;
  private readonly maxKeyLength: number;
  private readonly metrics: RequestCacheMetrics;

  constructor(metrics: MetricsService, @Inject(REDIS_MODULE_OPTIONS) moduleOptions: RedisModuleOptions) {
    const settings = resolveRequestCacheSettings(moduleOptions.requestCache);
    this.maxEntries = settings.maxEntries;
    this.maxKeyLength = settings.maxKeyLength;
    this.metrics = new RequestCacheMetrics(metrics);
  }

  /**
   * What `loader` returned for `key` earlier in this request, or `loader()` (kept for the
   * rest of the request). Returns exactly what the loader returns: a promise is shared as it is.
   */
  getOrSet<T>(key: string, loader: () => T): T {
    if (typeof key !== 'string' || key.length === 0) throw new RediskitArgumentError('key', 'must be a non-empty string');
    if (typeof loader !== 'function') throw new RediskitArgumentError('loader', 'must be a function');
    return this.memoize(`k:${key}`, loader);
  }

  /** Whether `key` has an entry in the current request. */
  has(key: string): boolean {
    return this.entries()?.has(boundedKey(`k:${key}`, this.maxKeyLength)) ?? false;
  }

  /** Forgets `key` in the current request (after a write that changes what it returned). */
  delete(key: string): boolean {
    return this.entries()?.delete(boundedKey(`k:${key}`, this.maxKeyLength)) ?? false;
  }

  /**
   * The decorator's way in: `key` is the method's and its arguments' (already namespaced), or
   * `undefined` when the arguments cannot be keyed.
   * @internal
   */
  memoize<T>(key: string | undefined, loader: () => T): T {
    const entries = this.entries(true);
    if (!entries) return this.bypass('outside', loader);
    if (key === undefined) return this.bypass('unkeyable', loader);
    const bounded = boundedKey(key, this.maxKeyLength);
    if (entries.has(bounded)) {
      this.metrics.hits.inc();
      return entries.get(bounded) as T;
    }
    if (entries.size >= this.maxEntries) return this.bypass('full', loader);
    this.metrics.misses.inc();
    const value = loader();
    entries.set(bounded, value);
    if (isPromiseLike(value)) {
      // A failure is shared by the calls already waiting, not kept for later ones.
      value.then(undefined, () => {
        if (entries.get(bounded) === value) entries.delete(bounded);
      });
    }
    return value;
  }

  private entries(create = false): Entries | undefined {
    const context = currentRequestContext();
    if (!context || context.ended) return undefined;
    let entries = context.memo.get(this.slot) as Entries | undefined;
    if (!entries && create) context.memo.set(this.slot, (entries = new Map()));
    return entries;
  }

  private bypass<T>(reason: 'outside' | 'full' | 'unkeyable', loader: () => T): T {
    this.metrics.bypassed[reason].inc();
    return loader();
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}
