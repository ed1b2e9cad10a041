import type { BoundCounter, MetricsService } from '../metrics/metrics.service.js';

/**
 * What became of a request with an idempotency key, the label of the requests counter:
 * `executed` (the handler ran), `replayed` (the stored response was sent), `in_progress`
 * (409: the first is still running), `mismatch` (422), `rejected` (400 or 401: key missing,
 * malformed, no client identity), `not_replayable` (409: the first response was not stored),
 * `unprotected` (Redis away and `failure: 'open'`: the handler ran without idempotency),
 * `unavailable` (Redis away and `failure: 'closed'`: 503).
 */
export type IdempotencyOutcome = 'executed' | 'replayed' | 'in_progress' | 'mismatch' | 'rejected' | 'not_replayable' | 'unprotected' | 'unavailable';
const OUTCOMES: IdempotencyOutcome[] = ['executed', 'replayed', 'in_progress', 'mismatch', 'rejected', 'not_replayable', 'unprotected', 'unavailable'];

/** The Redis calls of the capability, a label of the failures counter. `complete` also counts a claim lost before the response was stored. */
export type IdempotencyOperation = 'begin' | 'complete' | 'release';
const OPERATIONS: IdempotencyOperation[] = ['begin', 'complete', 'release'];

/** The idempotency counters, bound once (labels are outcomes and operations, never keys or users). */
export class IdempotencyMetrics {
  readonly requests: Record<IdempotencyOutcome, BoundCounter>;
  readonly failures: Record<IdempotencyOperation, BoundCounter>;

  constructor(metrics: MetricsService) {
    const requests = metrics.counter('idempotency_requests_total', 'Requests with an idempotency key by outcome: executed, replayed, in_progress, mismatch, rejected, not_replayable, unprotected, unavailable', ['outcome']);
    this.requests = Object.fromEntries(OUTCOMES.map((outcome) => [outcome, requests.labels({ outcome })])) as Record<IdempotencyOutcome, BoundCounter>;
    const failures = metrics.counter('idempotency_failures_total', 'Idempotency calls to Redis that failed (down, slow, refusing) or found their claim expired', ['operation']);
    this.failures = Object.fromEntries(OPERATIONS.map((operation) => [operation, failures.labels({ operation })])) as Record<IdempotencyOperation, BoundCounter>;
  }
}
