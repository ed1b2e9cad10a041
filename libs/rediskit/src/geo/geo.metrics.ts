import { bindEach, type BoundCounter, type MetricsService } from '../metrics/metrics.service.js';

/** The geo operations, the only label of its counters (never collection names or member ids). */
export type GeoOperation = 'update' | 'nearby' | 'remove';
const OPERATIONS: GeoOperation[] = ['update', 'nearby', 'remove'];

/** The geo counters, bound once so the hot path does no label hashing. */
export class GeoMetrics {
  readonly calls: Record<GeoOperation, BoundCounter>;
  readonly failures: Record<GeoOperation, BoundCounter>;
  readonly expired: BoundCounter;
  readonly undecodableMeta: BoundCounter;

  constructor(metrics: MetricsService) {
    this.calls = bindEach(metrics.counter('geo_operations_total', 'Geo operations answered by Redis', ['operation']), 'operation', OPERATIONS);
    this.failures = bindEach(metrics.counter('geo_failures_total', 'Geo operations that failed (Redis down, slow or refusing)', ['operation']), 'operation', OPERATIONS);
    this.expired = metrics.counter('geo_expired_total', 'Members dropped because they were not updated within their TTL').labels({});
    this.undecodableMeta = metrics.counter('geo_undecodable_meta_total', 'Members returned without their meta because it could not be decoded').labels({});
  }
}
