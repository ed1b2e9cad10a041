import type { BoundCounter, MetricsService } from '../metrics/metrics.service.js';

/** The lock counters, bound to the service's mode (`single` | `redlock`), the only label. */
export class LockMetrics {
  readonly acquired: BoundCounter;
  readonly contended: BoundCounter;
  readonly lost: BoundCounter;

  constructor(metrics: MetricsService, mode: string) {
    const labels = { mode };
    this.acquired = metrics.counter('lock_acquired_total', 'Locks acquired', ['mode']).labels(labels);
    this.contended = metrics.counter('lock_contended_total', 'Lock tries that found the resource held by another holder', ['mode']).labels(labels);
    this.lost = metrics.counter('lock_lost_total', 'Locks whose lease ended or was taken before they were released', ['mode']).labels(labels);
  }
}
