import { Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import type { Codec } from '../codec/codec.js';
import type { RedisRegistry } from '../connection/redis.registry.js';
import type { Keyspace } from '../keyspace/keyspace.js';
import type { MetricsService } from '../metrics/metrics.service.js';
import { toPositiveMs } from '../options/duration.js';
import { CacheEngine } from './cache.engine.js';
import { CacheNamespace } from './cache.namespace.js';
import type { CacheInvalidatedEvent, CacheOptions } from './cache.options.js';
import { resolveCacheSettings } from './cache.settings.js';
import type { CacheStatsSnapshot } from './cache-stats.js';
import { WriteBehindQueue } from './write-behind.queue.js';
import type { Tracing } from '../tracing/tracing.js';

/** Name of the namespace `CacheService` itself reads and writes. */
export const DEFAULT_CACHE_NAMESPACE = 'default';

/**
 * A multi-layer cache: an in-process LRU (L1) in front of Redis (L2), with tags, stampede
 * protection, stale-while-revalidate and an invalidation bus that keeps every instance's
 * memory coherent. It is the `default` namespace; `namespace(name)` gives scoped views.
 *
 * @example
 * @Injectable()
 * export class UserService {
 *   constructor(private readonly cache: CacheService) {}
 *   find(id: string) {
 *     return this.cache.getOrSet(`user:${id}`, () => this.db.findUser(id), { ttl: '10m', tags: [`user:${id}`] });
 *   }
 * }
 */
@Injectable()
export class CacheService extends CacheNamespace implements BeforeApplicationShutdown {
  private constructor(engine: CacheEngine, keyspace: Keyspace) {
    super(engine, keyspace, DEFAULT_CACHE_NAMESPACE);
  }

  /**
   * Builds the cache (used by the module's provider). With `options` (the module has a `cache`
   * section) the invalidation bus connects now; without, on the first call that reads memory.
   */
  static async create(registry: RedisRegistry, keyspace: Keyspace, codec: Codec, metrics: MetricsService, cacheOptions?: CacheOptions, tracing?: Tracing): Promise<CacheService> {
    const connection = registry.get(cacheOptions?.connection);
    const settings = resolveCacheSettings(cacheOptions);
    const l1 = settings.l1;
    const engine = new CacheEngine({
      connection,
      budget: settings.commandTimeout ?? toPositiveMs(connection.commandTimeout, 'cache.commandTimeout'),
      codec,
      metrics,
      settings,
      tagHashKey: keyspace.key('cache-tags'),
      cachePrefix: keyspace.key('cache') + keyspace.separator,
      busChannel: settings.bus ? keyspace.key('cache-bus') : false,
      trackPrefix: l1 && l1.coherence === 'tracking' ? keyspace.key('cache') + keyspace.separator : false,
      writeBehind: settings.writeBehind ? new WriteBehindQueue(settings.writeBehind, metrics) : undefined,
      tracing,
    });
    if (cacheOptions !== undefined) await engine.start();
    return new CacheService(engine, keyspace);
  }

  protected override get isRoot(): boolean {
    return true;
  }

  /**
   * Calls `listener` after every tag invalidation (`invalidateTags`, `invalidateModel`,
   * `@CacheEvict` tags, the HTTP cache's `invalidateTags`) and every `clear()` made through this
   * instance, in any namespace, whether Redis answered or not. The edge purger (`edge` options)
   * uses it; a listener that throws is logged, never fails the call. Returns the unsubscribe.
   *
   * @example
   * const stop = cache.onInvalidated((e) => audit.log(e.tags ?? `clear ${e.namespace}`));
   */
  onInvalidated(listener: (event: CacheInvalidatedEvent) => void): () => void {
    this.engine.invalidated.add(listener);
    return () => this.engine.invalidated.delete(listener);
  }

  /** Every namespace's counters, and totals. */
  override stats(): CacheStatsSnapshot {
    return this.snapshot();
  }

  /** Waits for background refreshes and writes, then stops listening to the bus. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.engine.stop();
  }
}
