import type { BoundCounter, MetricsService } from '../metrics/metrics.service.js';

/** The geo operations, the only label of its counters (never collection names or member ids). */
export type GeoOperation = 'update' | 'nearby' | 'remove';
const OPERATIONS: GeoOperation[] = ['update', 'nearby', 'remove'];

type ByOperation = Record<GeoOperation, BoundCounter>;

/** The geo counters, bound once so the hot path does no label hashing. */
export class GeoMetrics {
  readonly calls: ByOperation;
  readonly failures: ByOperation;
  readonly expired: BoundCounter;
  readonly undecodableMeta: BoundCounter;

  constructor(metrics: MetricsService) {
    const byOperation = (name: string, help: string): ByOperation => {
      const counter = metrics.counter(name, help, ['operation']);
      return Object.fromEntries(OPERATIONS.map((operation) => [operation, counter.labels({ operation })])) as ByOperation;
    };
    this.calls = byOperation('geo_operations_total', 'Geo operations answered by Redis');
    this.failures = byOperation('geo_failures_total', 'Geo operations that failed (Redis down, slow or refusing)');
    this.expired = metrics.counter('geo_expired_total', 'Members dropped because they were not updated within their TTL').labels({});
    this.undecodableMeta = metrics.counter('geo_undecodable_meta_total', 'Members returned without their meta because it could not be decoded').labels({});
  }
}
