import type { CounterMetric, MetricsService } from '../metrics/metrics.service.js';

/** How a cached route answered: from the cache (fresh or stale), by running the handler, or without the cache. */
export type HttpCacheResult = 'hit' | 'stale' | 'miss' | 'bypass';
/**
 * Why a handler's response was not stored (`invalid`: it would not pass the check a stored
 * response gets when read; `adapt`: the route's `adapt` said `skip`).
 */
export type SkipReason = 'status' | 'cookie' | 'stream' | 'size' | 'empty' | 'invalid' | 'adapt';

/**
 * Requests of one route template by result.
 *
 * @example
 * const { hit, miss } = httpCache.stats()['/products/:id'];
 */
export type RouteCounts = Record<HttpCacheResult, number>;

const RESULTS: HttpCacheResult[] = ['hit', 'stale', 'miss', 'bypass'];
const SKIP_REASONS: SkipReason[] = ['status', 'cookie', 'stream', 'size', 'empty', 'invalid', 'adapt'];
const INVALIDATION_OUTCOMES = ['ok', 'pending', 'failed', 'hook_failed'] as const;

/**
 * The response cache's counters, labelled by route template (`/products/:id`, never the
 * concrete URL) so cardinality stays bounded by the number of routes.
 *
 * - `http_cache_requests_total{route, result}`: hit | stale | miss | bypass
 * - `http_cache_not_stored_total{route, reason}`: status | cookie | stream | size | empty | invalid | adapt
 * - `http_cache_rejected_entries_total{route}`: stored responses that failed validation when read (read as misses)
 * - `http_cache_invalidations_total{outcome}`: ok | pending (Redis unreachable: replayed when it answers) | failed (server cache), hook_failed (onInvalidate)
 *
 * Requests are counted in plain integers and handed to prom-client once a second and whenever
 * `stats()` is read: a labelled `inc` per hit costs a noticeable share of a cached response.
 */
export class HttpCacheMetrics {
  private readonly requests: CounterMetric;
  private readonly notStored: CounterMetric;
  private readonly invalidations: CounterMetric;
  private readonly rejected: CounterMetric;
  private readonly counts = new Map<string, RouteCounts>();
  private readonly reported = new Map<string, RouteCounts>();
  private readonly timer: NodeJS.Timeout;

  constructor(metrics: MetricsService) {
    this.requests = metrics.counter('http_cache_requests_total', 'Cached routes by route template and result (hit, stale, miss, bypass)', ['route', 'result']);
    this.notStored = metrics.counter('http_cache_not_stored_total', 'Responses of cached routes that were not stored, by reason', ['route', 'reason']);
    this.invalidations = metrics.counter('http_cache_invalidations_total', 'Tag invalidations of the response cache, by outcome', ['outcome']);
    this.rejected = metrics.counter('http_cache_rejected_entries_total', 'Stored responses that failed validation when read (served as misses)', ['route']);
    // Series of rare events exist at 0 from the start, so increase() sees the first one.
    for (const outcome of INVALIDATION_OUTCOMES) this.invalidations.inc({ outcome }, 0);
    this.timer = setInterval(() => this.flush(), 1000);
    this.timer.unref();
  }

  request(route: string, result: HttpCacheResult): void {
    let c = this.counts.get(route);
    if (!c) {
      this.counts.set(route, (c = { hit: 0, stale: 0, miss: 0, bypass: 0 }));
      this.reported.set(route, { hit: 0, stale: 0, miss: 0, bypass: 0 });
      // Once per route template: its rare-event series exist at 0, so increase() sees the first one.
      for (const reason of SKIP_REASONS) this.notStored.inc({ route, reason }, 0);
      this.rejected.inc({ route }, 0);
    }
    c[result]++;
  }

  skipped(route: string, reason: SkipReason): void {
    this.notStored.inc({ route, reason });
  }

  rejectedEntry(route: string): void {
    this.rejected.inc({ route });
  }

  invalidation(outcome: (typeof INVALIDATION_OUTCOMES)[number]): void {
    this.invalidations.inc({ outcome });
  }

  /** Counts per route template (flushes them to Prometheus first). */
  snapshot(): Record<string, RouteCounts> {
    this.flush();
    const out: Record<string, RouteCounts> = {};
    for (const [route, c] of this.counts) out[route] = { ...c };
    return out;
  }

  /** Pushes the request counters' deltas to Prometheus. */
  flush(): void {
    for (const [route, c] of this.counts) {
      const r = this.reported.get(route)!;
      for (const result of RESULTS) {
        const delta = c[result] - r[result];
        if (delta > 0) {
          this.requests.inc({ route, result }, delta);
          r[result] = c[result];
        }
      }
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.flush();
  }
}
