import type { BoundCounter, CounterMetric, GaugeMetric, MetricsService } from '../metrics/metrics.service.js';

// Outside Nest without a MetricsService: metrics are no-ops.
const noop = { inc: () => undefined, dec: () => undefined, set: () => undefined, labels: () => noop } as unknown as CounterMetric & GaugeMetric;

const GUARD_OUTCOMES = ['allowed', 'public', 'unauthenticated', 'rejected', 'step_up', 'unavailable', 'degraded'];

/** The session metrics (labels are fixed words, never user ids or tokens). */
export class SessionMetrics {
  /** Sessions created. */
  readonly created: CounterMetric;
  /** Sessions ended by the app or by the limit: `reason` logout | logout_all | revoked | evicted. */
  readonly ended: CounterMetric;
  /** Tokens rotated. */
  readonly rotated: CounterMetric;
  /** Lookups by token: `result` hit | miss | malformed. */
  readonly lookups: CounterMetric;
  /** `lookups` bound to each result (no label hashing on the hot path). */
  readonly hits: BoundCounter;
  readonly misses: BoundCounter;
  readonly malformed: BoundCounter;
  /** Idle-timeout writes (at most one per session per touch interval). */
  readonly touchWrites: CounterMetric;
  /** Guard decisions: `outcome` allowed | public | unauthenticated | rejected | step_up | unavailable | degraded (admitted from a fallback cookie while Redis was unreachable). */
  readonly guard: CounterMetric;
  /** Live sessions, as counted by the last `cleanup()`. */
  readonly active: GaugeMetric;

  constructor(metrics?: MetricsService) {
    const counter = (name: string, help: string, labels: string[] = []) => metrics?.counter(name, help, labels) ?? noop;
    this.created = counter('session_created_total', 'Sessions created');
    this.ended = counter('session_ended_total', 'Sessions ended by logout, logout-all, revocation or eviction', ['reason']);
    this.rotated = counter('session_rotated_total', 'Session tokens rotated');
    this.lookups = counter('session_lookups_total', 'Session lookups by token', ['result']);
    this.hits = this.lookups.labels({ result: 'hit' });
    this.misses = this.lookups.labels({ result: 'miss' });
    this.malformed = this.lookups.labels({ result: 'malformed' });
    this.touchWrites = counter('session_touch_writes_total', 'Idle-timeout extensions written to Redis');
    this.guard = counter('session_guard_total', 'SessionGuard decisions', ['outcome']);
    // Every outcome exported at 0 from the start: an alert on `unavailable` sees the first one.
    for (const outcome of GUARD_OUTCOMES) this.guard.inc({ outcome }, 0);
    this.active = metrics?.gauge('session_active', 'Live sessions counted by the last cleanup()') ?? noop;
  }
}
