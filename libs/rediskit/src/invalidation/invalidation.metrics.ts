import type { BoundCounter, BoundGauge, MetricsService } from '../metrics/metrics.service.js';

/** Why an event was not (or not fully) handled: the label of the failure counter. */
export type InvalidationFailure = 'rule' | 'append' | 'read' | 'dropped' | 'gap' | 'undecodable';
const FAILURES: InvalidationFailure[] = ['rule', 'append', 'read', 'dropped', 'gap', 'undecodable'];

/** The invalidation metrics, bound once (labels are fixed words, never event payloads). */
export class InvalidationMetrics {
  readonly emitted: BoundCounter;
  readonly received: BoundCounter;
  readonly backlog: BoundGauge;
  readonly failures: Record<InvalidationFailure, BoundCounter>;

  constructor(metrics: MetricsService) {
    const events = metrics.counter('invalidation_events_total', 'Invalidation events emitted on this instance, and received from other instances', ['source']);
    this.emitted = events.labels({ source: 'emitted' });
    this.received = events.labels({ source: 'received' });
    this.backlog = metrics.gauge('invalidation_backlog', 'Invalidation events emitted while Redis was unreachable, waiting to be appended to the stream').labels({});
    const help = 'Invalidation problems: a rule that threw, an append or read that failed (retried), events dropped from a full backlog, a gap in the stream, an undecodable entry';
    const failures = metrics.counter('invalidation_failures_total', help, ['reason']);
    this.failures = Object.fromEntries(FAILURES.map((reason) => [reason, failures.labels({ reason })])) as Record<InvalidationFailure, BoundCounter>;
  }
}
