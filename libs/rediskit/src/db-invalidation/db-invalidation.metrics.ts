import type { BoundCounter, BoundGauge, MetricsService } from '../metrics/metrics.service.js';

/** Why tags were invalidated: rows changed, or a gap (reconnect, takeover) where changes may have been missed. */
export type InvalidationReason = 'change' | 'gap';

/** The database invalidation metrics, bound once (labels: outcomes and reasons, never tables or ids). */
export class DbInvalidationMetrics {
  readonly accepted: BoundCounter;
  readonly rejected: BoundCounter;
  readonly invalidations: Record<InvalidationReason, BoundCounter>;
  readonly failures: BoundCounter;
  readonly reconnects: BoundCounter;
  readonly leader: BoundGauge;

  constructor(metrics: MetricsService) {
    const notifications = metrics.counter('db_invalidation_notifications_total', 'Change notifications received from the database, by outcome (rejected: not a watched change)', ['outcome']);
    this.accepted = notifications.labels({ outcome: 'accepted' });
    this.rejected = notifications.labels({ outcome: 'rejected' });
    const invalidations = metrics.counter('db_invalidation_invalidations_total', 'Tag invalidations made for database changes, by reason (change, or gap after a reconnect or takeover)', ['reason']);
    this.invalidations = { change: invalidations.labels({ reason: 'change' }), gap: invalidations.labels({ reason: 'gap' }) };
    this.failures = metrics.counter('db_invalidation_failures_total', 'Database connections, trigger installs or invalidations that failed').labels({});
    this.reconnects = metrics.counter('db_invalidation_reconnects_total', 'Times the listener reopened its database connection after it dropped').labels({});
    this.leader = metrics.gauge('db_invalidation_leader', '1 while this instance holds the lease and listens to the database').labels({});
  }
}
