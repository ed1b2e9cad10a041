import type { BoundCounter, BoundGauge, BoundHistogram, MetricsService } from '../metrics/metrics.service.js';

/** Purge latency buckets, in seconds: CDN APIs answer in tens of ms to seconds. */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** What happened to a tag handed to the purger. */
export type TagOutcome = 'purged' | 'failed' | 'dropped' | 'deduplicated';
/** What happened to one purge request. */
export type RequestOutcome = 'ok' | 'retried' | 'failed';

/**
 * The edge purger's metrics, bound once to its provider (`varnish`, `fastly`, `cloudflare` or a
 * custom adapter's name: one label value per deployment, never tags):
 * - `edge_purge_tags_total{provider,outcome}`: purged | failed (after every retry) | dropped (queue full, or left at shutdown) | deduplicated (already queued)
 * - `edge_purge_requests_total{provider,outcome}`: ok | retried (429, 5xx, no answer) | failed
 * - `edge_purge_duration_seconds{provider}`: latency of each request
 * - `edge_purge_queue_tags{provider}`: tags waiting
 */
export class EdgeMetrics {
  readonly tags: Record<TagOutcome, BoundCounter>;
  readonly requests: Record<RequestOutcome, BoundCounter>;
  readonly duration: BoundHistogram;
  readonly queue: BoundGauge;
  /** The same counts, for `EdgePurgeService.stats()` (also without prom-client). */
  readonly counts = { purged: 0, failed: 0, dropped: 0, deduplicated: 0, requests: 0, retried: 0, failedRequests: 0 };

  constructor(metrics: MetricsService, provider: string) {
    const tags = metrics.counter('edge_purge_tags_total', 'Tags handed to the edge purger, by outcome', ['provider', 'outcome']);
    const requests = metrics.counter('edge_purge_requests_total', 'Purge requests sent to the CDN or Varnish, by outcome', ['provider', 'outcome']);
    this.tags = {
      purged: tags.labels({ provider, outcome: 'purged' }),
      failed: tags.labels({ provider, outcome: 'failed' }),
      dropped: tags.labels({ provider, outcome: 'dropped' }),
      deduplicated: tags.labels({ provider, outcome: 'deduplicated' }),
    };
    this.requests = {
      ok: requests.labels({ provider, outcome: 'ok' }),
      retried: requests.labels({ provider, outcome: 'retried' }),
      failed: requests.labels({ provider, outcome: 'failed' }),
    };
    this.duration = metrics.histogram('edge_purge_duration_seconds', 'Latency of purge requests to the CDN or Varnish', ['provider'], BUCKETS).labels({ provider });
    this.queue = metrics.gauge('edge_purge_queue_tags', 'Tags waiting to be purged at the edge', ['provider']).labels({ provider });
    this.queue.set(0);
  }

  tag(outcome: TagOutcome, n = 1): void {
    if (n <= 0) return;
    this.tags[outcome].inc(n);
    this.counts[outcome] += n;
  }

  request(outcome: RequestOutcome, seconds: number): void {
    this.requests[outcome].inc();
    this.duration.observe(seconds);
    this.counts.requests++;
    if (outcome === 'retried') this.counts.retried++;
    if (outcome === 'failed') this.counts.failedRequests++;
  }
}
