import type { MetricsService } from '../metrics/metrics.service.js';
import type { WriteBehindStats } from './write-behind.queue.js';

/** Counters of one namespace. */
export interface NamespaceStats {
  l1Hits: number;
  l1Misses: number;
  l2Hits: number;
  l2Misses: number;
  loaderCalls: number;
  staleServed: number;
  /** Redis errors absorbed (reads, locks, tag reads, invalidations). */
  errors: number;
  /** Loader calls that failed or timed out. */
  loaderErrors: number;
  /** Writes to Redis that failed (counted, never queued). */
  failedWrites: number;
  /** Reads of entries that could not be decoded (hostile or damaged bytes); each read as a miss. */
  corrupt: number;
}

/** What `cache.stats()` returns. */
export interface CacheStatsSnapshot extends NamespaceStats {
  l1: { entries: number; bytes: number; enabled: boolean };
  /** Whether the invalidation bus is connected (always false when it is off). */
  busHealthy: boolean;
  /** Bus messages dropped because they did not validate (size, JSON, shape). */
  busDropped: number;
  /**
   * Invalidations of this instance waiting for Redis to be replayed (or, after an overflow,
   * namespaces waiting to be cleared).
   */
  pendingInvalidations: number;
  namespaces: Record<string, NamespaceStats>;
  /** The write-behind queue, when configured. */
  writeBehind?: WriteBehindStats & { pending: number };
}

const FIELDS = ['l1Hits', 'l1Misses', 'l2Hits', 'l2Misses', 'loaderCalls', 'staleServed', 'errors', 'loaderErrors', 'failedWrites', 'corrupt'] as const;

const zero = (): NamespaceStats => ({ l1Hits: 0, l1Misses: 0, l2Hits: 0, l2Misses: 0, loaderCalls: 0, staleServed: 0, errors: 0, loaderErrors: 0, failedWrites: 0, corrupt: 0 });

/**
 * Counts per namespace in plain integers (a hit costs one increment) and hands the deltas to
 * Prometheus once a second and whenever `stats()` is read: a prom-client `inc` with labels on
 * every hit would cost more than the memory hit itself.
 */
export class CacheStats {
  private readonly byNamespace = new Map<string, NamespaceStats>();
  private readonly reported = new Map<string, NamespaceStats>();
  private readonly exported = new Set<string>();
  private readonly hits;
  private readonly misses;
  private readonly loaderCalls;
  private readonly stale;
  private readonly errors;
  private readonly busDroppedTotal;
  private busDropped = 0;
  readonly busDelay;
  private readonly l1Entries;
  private readonly l1Bytes;
  private readonly pendingGauge;
  private readonly timer: NodeJS.Timeout;

  constructor(
    metrics: MetricsService,
    private readonly memory: () => { entries: number; bytes: number },
    private readonly pending: () => number = () => 0,
  ) {
    this.hits = metrics.counter('cache_hits_total', 'Cache hits by layer (l1 memory, l2 redis) and namespace', ['layer', 'namespace']);
    this.misses = metrics.counter('cache_misses_total', 'Cache misses by layer and namespace', ['layer', 'namespace']);
    this.loaderCalls = metrics.counter('cache_loader_calls_total', 'getOrSet loader calls', ['namespace']);
    this.stale = metrics.counter('cache_stale_served_total', 'Stale values served (grace, stale-if-error, soft timeout)', ['namespace']);
    this.errors = metrics.counter('cache_errors_total', 'Errors absorbed by the cache, by kind (redis, write, loader, corrupt)', ['namespace', 'kind']);
    this.busDroppedTotal = metrics.counter('cache_bus_dropped_total', 'Invalidation bus messages dropped because they did not validate, by reason', ['reason']);
    this.busDelay = metrics.histogram('cache_bus_delay_seconds', 'Invalidation bus delay from publish to receipt', [], [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5]);
    this.l1Entries = metrics.gauge('cache_l1_entries', 'Entries in the memory layer');
    this.l1Bytes = metrics.gauge('cache_l1_bytes', 'Bytes in the memory layer');
    this.pendingGauge = metrics.gauge('cache_pending_invalidations', 'Invalidations waiting for Redis to be replayed (or namespaces to clear after an overflow)');
    this.timer = setInterval(() => this.flush(), 1000);
    this.timer.unref();
  }

  /** The live counters of a namespace (kept by the namespace view, so a hit does no lookup). */
  of(namespace: string): NamespaceStats {
    let s = this.byNamespace.get(namespace);
    if (!s) {
      this.byNamespace.set(namespace, (s = zero()));
      this.reported.set(namespace, zero());
    }
    return s;
  }

  /** Counts a bus message that did not validate (rare: counted straight into Prometheus). */
  busMessageDropped(reason: string): void {
    this.busDropped++;
    this.busDroppedTotal.inc({ reason });
  }

  snapshot(l1Enabled: boolean, busHealthy: boolean): CacheStatsSnapshot {
    this.flush();
    const total = zero();
    const namespaces: Record<string, NamespaceStats> = {};
    for (const [name, s] of this.byNamespace) {
      namespaces[name] = { ...s };
      for (const f of FIELDS) total[f] += s[f];
    }
    const m = this.memory();
    return { ...total, l1: { entries: m.entries, bytes: m.bytes, enabled: l1Enabled }, busHealthy, busDropped: this.busDropped, pendingInvalidations: this.pending(), namespaces };
  }

  /** Pushes counter deltas to Prometheus. */
  flush(): void {
    for (const [namespace, s] of this.byNamespace) {
      const r = this.reported.get(namespace)!;
      // A namespace's series are exported at 0 at its first flush, so increase() sees first events.
      const first = !this.exported.has(namespace);
      if (first) this.exported.add(namespace);
      const add = (field: keyof NamespaceStats, inc: (delta: number) => void) => {
        const delta = s[field] - r[field];
        if (delta > 0 || first) {
          inc(delta);
          r[field] = s[field];
        }
      };
      add('l1Hits', (d) => this.hits.inc({ layer: 'l1', namespace }, d));
      add('l2Hits', (d) => this.hits.inc({ layer: 'l2', namespace }, d));
      add('l1Misses', (d) => this.misses.inc({ layer: 'l1', namespace }, d));
      add('l2Misses', (d) => this.misses.inc({ layer: 'l2', namespace }, d));
      add('loaderCalls', (d) => this.loaderCalls.inc({ namespace }, d));
      add('staleServed', (d) => this.stale.inc({ namespace }, d));
      add('errors', (d) => this.errors.inc({ namespace, kind: 'redis' }, d));
      add('loaderErrors', (d) => this.errors.inc({ namespace, kind: 'loader' }, d));
      add('failedWrites', (d) => this.errors.inc({ namespace, kind: 'write' }, d));
      add('corrupt', (d) => this.errors.inc({ namespace, kind: 'corrupt' }, d));
    }
    const m = this.memory();
    this.l1Entries.set({}, m.entries);
    this.l1Bytes.set({}, m.bytes);
    this.pendingGauge.set({}, this.pending());
  }

  stop(): void {
    clearInterval(this.timer);
    this.flush();
  }
}
