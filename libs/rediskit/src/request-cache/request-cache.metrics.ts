import type { BoundCounter, MetricsService } from '../metrics/metrics.service.js';

/** Why a call ran without the request cache: outside any request, the request's entries full, arguments it cannot key. */
export type RequestCacheBypass = 'outside' | 'full' | 'unkeyable';
const BYPASSES: RequestCacheBypass[] = ['outside', 'full', 'unkeyable'];

/** The request cache's counters, bound once (no label hashing per call). */
export class RequestCacheMetrics {
  readonly hits: BoundCounter;
  readonly misses: BoundCounter;
  readonly bypassed: Record<RequestCacheBypass, BoundCounter>;

  constructor(metrics: MetricsService) {
    this.hits = metrics.counter('request_cache_hits_total', 'Calls answered from the request cache (the same call earlier in the same request)').labels({});
    this.misses = metrics.counter('request_cache_misses_total', 'Calls that ran and were kept for the rest of their request').labels({});
    const bypassed = metrics.counter('request_cache_bypassed_total', 'Calls that ran without the request cache, by reason', ['reason']);
    this.bypassed = Object.fromEntries(BYPASSES.map((reason) => [reason, bypassed.labels({ reason })])) as Record<RequestCacheBypass, BoundCounter>;
  }
}
