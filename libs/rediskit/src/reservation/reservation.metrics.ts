import { bindEach, type BoundCounter, type MetricsService } from '../metrics/metrics.service.js';

/** The reservation operations, a label of the failure counter (never item names or hold ids). */
export type ReservationOperation = 'reserve' | 'confirm' | 'release' | 'stock';
const OPERATIONS: ReservationOperation[] = ['reserve', 'confirm', 'release', 'stock'];

/** What happened to holds, the label of the holds counter. */
export type HoldEvent = 'reserved' | 'refused' | 'confirmed' | 'released' | 'expired';
const EVENTS: HoldEvent[] = ['reserved', 'refused', 'confirmed', 'released', 'expired'];

/** The reservation counters, bound once so the hot path does no label hashing. */
export class ReservationMetrics {
  readonly holds: Record<HoldEvent, BoundCounter>;
  readonly failures: Record<ReservationOperation, BoundCounter>;

  constructor(metrics: MetricsService) {
    this.holds = bindEach(metrics.counter('reservation_holds_total', 'Holds by what happened to them: reserved, refused (not enough available), confirmed, released, expired', ['event']), 'event', EVENTS);
    this.failures = bindEach(metrics.counter('reservation_failures_total', 'Reservation calls that failed (Redis down, slow or refusing)', ['operation']), 'operation', OPERATIONS);
  }
}
