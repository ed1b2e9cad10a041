import { Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import type { CacheInvalidatedEvent, CacheService } from '../cache/index.js';
import { RediskitArgumentError, RediskitNotConfiguredError } from '../errors.js';
import { headerTag } from '../http-cache/index.js';
import type { MetricsService } from '../metrics/metrics.service.js';
import { cloudflareAdapter } from './cloudflare.adapter.js';
import type { EdgePurgeAdapter } from './edge.adapter.js';
import { EdgeMetrics } from './edge.metrics.js';
import type { EdgeOptions } from './edge.options.js';
import { resolveEdgeSettings } from './edge.settings.js';
import { fastlyAdapter } from './fastly.adapter.js';
import { PurgeQueue } from './purge.queue.js';
import { varnishAdapter } from './varnish.adapter.js';
import { RediskitLogger } from '../context/rediskit-logger.js';

/** What the edge purger did since boot (`EdgePurgeService.stats()`). */
export interface EdgePurgeStats {
  /** The adapter's name. */
  provider: string;
  /** Tags waiting now. */
  queued: number;
  /** Tags purged, given up after every retry, dropped (queue full or left at shutdown), or merged with one already waiting. */
  purged: number;
  failed: number;
  dropped: number;
  deduplicated: number;
  /** Requests sent, of which retried and failed. */
  requests: number;
  retried: number;
  failedRequests: number;
}

/**
 * The edge (L3) purger: with an `edge` section, every tag invalidation and `clear()` of the
 * cache (see `edge.purgeOn`) purges the same tags at the CDN or Varnish, batched per tick,
 * deduplicated, retried with backoff, bounded and measured. Tags are sent as the `Surrogate-Key`
 * and `Cache-Tag` headers of cached responses carry them. Call it yourself for pages cached
 * outside rediskit.
 *
 * @example
 * @Injectable()
 * export class Publisher {
 *   constructor(private readonly edge: EdgePurgeService) {}
 *   async republish(slug: string) { this.edge.purgeTags([`page:${slug}`]); await this.edge.flush(); }
 * }
 */
@Injectable()
export class EdgePurgeService implements BeforeApplicationShutdown {
  private readonly queue?: PurgeQueue;
  private readonly metrics?: EdgeMetrics;
  private readonly adapter?: EdgePurgeAdapter;
  private readonly unsubscribe?: () => void;
  private readonly closeBudget: number = 0; // read only once a queue exists
  private readonly logger = new RediskitLogger('EdgePurge');

  /** @param httpNamespace the HTTP cache's namespace, whose `clear()` purges everything by default. */
  constructor(cache: CacheService, metrics: MetricsService, options?: EdgeOptions, httpNamespace = 'http') {
    if (!options) return;
    this.adapter = options.adapter ?? (options.varnish ? varnishAdapter(options.varnish) : options.fastly ? fastlyAdapter(options.fastly) : cloudflareAdapter(options.cloudflare!));
    this.metrics = new EdgeMetrics(metrics, this.adapter.name);
    const settings = resolveEdgeSettings(options, httpNamespace);
    this.closeBudget = settings.timeout;
    this.queue = new PurgeQueue(this.adapter, settings, this.metrics, this.logger);
    const { invalidateTags: onTags, clear } = settings;
    const clears = (namespace: string) => clear === true || (Array.isArray(clear) && clear.includes(namespace));
    this.unsubscribe = cache.onInvalidated((e: CacheInvalidatedEvent) => {
      if (e.cleared) {
        if (clears(e.namespace)) this.queue!.addPurgeAll();
      } else if (onTags) this.queue!.addTags(e.tags.map(headerTag));
    });
  }

  /** True when the `edge` section is configured. */
  get enabled(): boolean {
    return this.queue !== undefined;
  }

  /**
   * Queues a purge of `tags` at the edge (sent with the others of this tick); returns at once.
   * Await {@link flush} to know it was sent.
   *
   * @example
   * edge.purgeTags(['product:7', 'products']);
   */
  purgeTags(tags: string | string[]): void {
    const list = Array.isArray(tags) ? tags : [tags];
    if (list.some((t) => typeof t !== 'string' || t.length === 0)) throw new RediskitArgumentError('tags', `must be non-empty strings, got ${JSON.stringify(tags)}`);
    this.configured().addTags(list.map(headerTag));
  }

  /** Queues a purge of everything the CDN caches for this service, zone or servers. */
  purgeAll(): void {
    this.configured().addPurgeAll();
  }

  /** Resolves once every purge queued so far was sent, or given up after its retries. */
  async flush(): Promise<void> {
    await this.queue?.flush();
  }

  /** What the purger did since boot. */
  stats(): EdgePurgeStats {
    const counts = this.metrics?.counts ?? { purged: 0, failed: 0, dropped: 0, deduplicated: 0, requests: 0, retried: 0, failedRequests: 0 };
    return { provider: this.adapter?.name ?? 'none', queued: this.queue?.size ?? 0, ...counts };
  }

  /** Sends what is queued within `edge.timeout`, then stops (the rest is counted as dropped). */
  async beforeApplicationShutdown(): Promise<void> {
    this.unsubscribe?.();
    await this.queue?.close(this.closeBudget);
  }

  private configured(): PurgeQueue {
    if (!this.queue) throw new RediskitNotConfiguredError('EdgePurgeService needs the edge section in the module options');
    return this.queue;
  }
}
