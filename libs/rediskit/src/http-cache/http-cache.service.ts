import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { CacheNamespace, CacheService, InvalidateOptions, InvalidationOutcome } from '../cache/index.js';
import { RediskitArgumentError } from '../errors.js';
import type { MetricsService } from '../metrics/metrics.service.js';
import { RequestCredentials, type SessionTokenReader } from './http-cache.credentials.js';
import { headerTag } from './http-cache.headers.js';
import { HttpCacheMetrics, type RouteCounts } from './http-cache.metrics.js';
import type { HttpCacheOptions } from './http-cache.options.js';
import { resolveHttpCacheSettings, type HttpCacheSettings } from './http-cache.settings.js';
import type { StoredResponseLimits } from './stored-response.validation.js';
import type { EarlyHitRoutes } from './early-hit.routes.js';
import { RediskitLogger } from '../context/rediskit-logger.js';

/**
 * The response cache's store and purge API: cached responses live in a `CacheService`
 * namespace (`http` by default), so they share its memory layer, Redis layer, tag versions
 * and cross-instance invalidation bus. `invalidateTags` drops them on every instance and
 * calls `httpCache.onInvalidate`; with an `edge` section the CDN or Varnish is purged by the
 * same tags (docs/edge.md).
 *
 * @example
 * @Injectable()
 * export class ProductEvents {
 *   constructor(private readonly httpCache: HttpCacheService) {}
 *   async onPriceChange(id: string) { await this.httpCache.invalidateTags([`product:${id}`]); }
 * }
 */
@Injectable()
export class HttpCacheService implements OnModuleDestroy {
  /** Options with defaults applied. */
  readonly settings: HttpCacheSettings;
  /** The cache namespace holding responses. */
  readonly store: CacheNamespace;
  /** @internal */
  readonly metrics: HttpCacheMetrics;
  /** Tells credentialed requests apart (`Authorization`, session token, `credentialCookies`, ...). */
  readonly credentials: RequestCredentials;
  /** @internal what a stored response may hold */
  readonly limits: StoredResponseLimits;
  /** @internal the routes whose hits may be answered before Nest's pipeline (`earlyHits: true`) */
  readonly earlyHits: EarlyHitRoutes | undefined;
  private readonly logger = new RediskitLogger('ResponseCache');

  /**
   * @param sessions the session capability (`SessionService`), so the session token counts as a
   *   credential; anything with `tokenOf(request)`.
   * @param earlyHits the early path's routes (the capability makes them with `earlyHits: true`).
   */
  constructor(cache: CacheService, metrics: MetricsService, options: HttpCacheOptions = {}, sessions?: { tokenOf: SessionTokenReader }, earlyHits?: EarlyHitRoutes) {
    this.settings = resolveHttpCacheSettings(options);
    this.store = cache.namespace(this.settings.namespace);
    this.metrics = new HttpCacheMetrics(metrics);
    const tokenOf = sessions ? (request: any) => sessions.tokenOf(request) : undefined;
    this.credentials = new RequestCredentials(this.settings.credentialCookies, this.settings.credentialHeaders, tokenOf);
    this.earlyHits = earlyHits;
    this.limits = { statuses: this.settings.statuses, storeHeaders: new Set(this.settings.storeHeaders), maxBodySize: this.settings.maxBodySize };
  }

  /**
   * Invalidates every cached response carrying one of `tags` (and their child tags: `product`
   * reaches `product:7`) on every instance, then calls `onInvalidate` with the tags as the
   * `Surrogate-Key` header carries them. When Redis cannot be reached it resolves with
   * `{ pending: true }`: this instance applies it at once and replays it to Redis and the
   * other instances as soon as Redis answers (see `cache.invalidation`); with
   * `onUnreachable: 'throw'` it throws `RediskitInvalidationError`. The hook is called either
   * way: the CDN can be purged regardless.
   *
   * @example
   * await httpCache.invalidateTags(['product:7']);
   */
  async invalidateTags(tags: string | string[], options?: InvalidateOptions): Promise<InvalidationOutcome> {
    const list = [...new Set(Array.isArray(tags) ? tags : [tags])];
    if (list.some((t) => typeof t !== 'string' || t.length === 0)) throw new RediskitArgumentError('tags', `must be non-empty strings, got ${JSON.stringify(tags)}`);
    if (list.length === 0) return { pending: false };
    let failure: unknown;
    let outcome: InvalidationOutcome = { pending: false };
    try {
      outcome = await this.store.invalidateTags(list, options);
      this.metrics.invalidation(outcome.pending ? 'pending' : 'ok');
    } catch (e) {
      this.metrics.invalidation('failed');
      failure = e;
    }
    await this.purge(list);
    if (failure) throw failure;
    return outcome;
  }

  /**
   * Requests of each cached route template by result (hit, stale, miss, bypass) since boot.
   *
   * @example
   * httpCache.stats()['/products/:id']   // { hit: 950, stale: 3, miss: 47, bypass: 0 }
   */
  stats(): Record<string, RouteCounts> {
    return this.metrics.snapshot();
  }

  /**
   * Removes every cached response (this namespace only; memory, Redis, other instances).
   * With an `edge` section the CDN or Varnish is purged too (everything); without, call your
   * CDN's purge-all.
   *
   * @example
   * await httpCache.clear();   // e.g. after a deploy that changes response shapes
   */
  clear(): Promise<number> {
    return this.store.clear();
  }

  onModuleDestroy(): void {
    this.metrics.stop();
  }

  private async purge(tags: string[]): Promise<void> {
    const hook = this.settings.onInvalidate;
    if (!hook) return;
    try {
      await hook(tags.map(headerTag));
    } catch (e) {
      this.metrics.invalidation('hook_failed');
      this.logger.warn(`onInvalidate failed for tags ${tags.join(', ')}: ${(e as Error).message}`);
    }
  }
}
