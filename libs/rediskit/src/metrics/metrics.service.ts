// prom-client is an optional peer: its types must not appear in the public declarations, or
// an app without it would fail to type-check. The parts used are described structurally.
type PromClient = typeof import('prom-client');

/** The part of a prom-client `Registry` that rediskit uses (pass prom-client's `register` or any `Registry`). */
export interface MetricsRegistry {
  registerMetric(metric: never): void;
  getSingleMetric(name: string): unknown;
  metrics(): Promise<string>;
  getMetricsAsJSON(): Promise<unknown[]>;
  readonly contentType: string;
}
import { RediskitArgumentError, RediskitConfigError } from '../errors.js';
import type { Duration } from '../options/duration.js';
import { FastHistogram } from './fast-histogram.js';

export interface MetricsOptions {
  /** Record metrics. @default true when prom-client is installed */
  enabled?: boolean;
  /** Prefix of every metric name. @default `rediskit_` */
  prefix?: string;
  /**
   * A prom-client Registry to register in (default: a registry of this module's own). Pass
   * `register` from prom-client to scrape rediskit's metrics together with your own.
   */
  registry?: MetricsRegistry;
  /**
   * Time every command of the module's connections (the `redis_command_duration_seconds`
   * histogram and `redis_command_errors_total`); costs about 1% of GET throughput (bench
   * `metrics`).
   * @default true
   */
  commands?: boolean;
  /** Buckets of the command latency histogram, in seconds. @default 0.25 ms to 2.5 s, 13 buckets */
  commandBuckets?: number[];
  /**
   * Commands of this application at least this slow are counted (`redis_slow_commands_total`)
   * and logged, once per command and namespace every 10 s; `false` turns it off.
   * @default 100 ms
   */
  slowCommandThreshold?: Duration | false;
  /**
   * First key segments (after the keyspace root) of the app's own keys that get their own
   * `namespace` label in slow-command metrics and logs, e.g. `['orders']` for
   * `keyspace.key('orders', id)`. rediskit's features are always named; any other key is
   * `other`, so a key segment holding a user id never becomes a label value. At most 100 names
   * of up to 64 characters `[A-Za-z0-9_.-]`.
   * @default none: only the library's own namespaces
   */
  namespaces?: string[];
}

export type Labels = Record<string, string | number>;

/** One bound series per value of a label, made once so a hot path does no label hashing. */
export function bindEach<V extends string, B>(metric: { labels(labels: Labels): B }, label: string, values: readonly V[]): Record<V, B> {
  return Object.fromEntries(values.map((value) => [value, metric.labels({ [label]: value })])) as Record<V, B>;
}

/** A counter bound to fixed label values (cheaper on hot paths: no label hashing per call). */
export interface BoundCounter {
  inc(value?: number): void;
}
export interface BoundGauge {
  set(value: number): void;
  inc(value?: number): void;
  dec(value?: number): void;
}
export interface BoundHistogram {
  observe(value: number): void;
}

export interface CounterMetric {
  inc(labels?: Labels, value?: number): void;
  /** The counter for one set of label values. */
  labels(labels: Labels): BoundCounter;
}
export interface GaugeMetric {
  set(labels: Labels, value: number): void;
  inc(labels?: Labels, value?: number): void;
  dec(labels?: Labels, value?: number): void;
  /** The gauge for one set of label values. */
  labels(labels: Labels): BoundGauge;
}
export interface HistogramMetric {
  observe(labels: Labels, value: number): void;
  /** The histogram for one set of label values. */
  labels(labels: Labels): BoundHistogram;
}

type Kind = 'counter' | 'gauge' | 'histogram';

const noop = {
  inc() {},
  dec() {},
  set() {},
  observe() {},
  labels() {
    return noop;
  },
};

/**
 * Creates and exports the module's metrics through prom-client when it is installed (an
 * optional peer); without it every metric is a no-op and {@link text} is empty. Instruments
 * are created once by name, so two capabilities asking for the same metric share it. Labels
 * must stay low-cardinality: namespaces and policy names, never keys or user ids.
 *
 * @example
 * const hits = metrics.counter('cache_hits_total', 'Cache hits', ['layer', 'namespace']);
 * hits.inc({ layer: 'l1', namespace: 'users' });
 *
 * // GET /metrics
 * res.type(metrics.contentType).send(await metrics.text());
 */
export class MetricsService {
  private readonly instruments = new Map<string, { kind: Kind; instrument: unknown }>();
  /** The counters handed out, one per name (their `labels()` exports the series at 0). */
  private readonly counters = new Map<string, CounterMetric>();

  private constructor(
    private readonly prom: PromClient | undefined,
    /** Where the metrics are registered (undefined when metrics are off). */
    readonly registry: MetricsRegistry | undefined,
    /** Prefix of every metric name. */
    readonly prefix: string,
    /** The options this service was created with. */
    readonly options: MetricsOptions = {},
  ) {}

  /** Loads prom-client if it is installed and metrics are enabled. */
  static async create(options: MetricsOptions = {}): Promise<MetricsService> {
    const prefix = options.prefix ?? 'rediskit_';
    const r = options.registry as { registerMetric?: unknown; metrics?: unknown } | undefined;
    if (r !== undefined && (typeof r?.registerMetric !== 'function' || typeof r.metrics !== 'function')) {
      throw new RediskitConfigError(['metrics.registry: must be a prom-client Registry']);
    }
    if (options.enabled === false) return new MetricsService(undefined, undefined, prefix, options);
    const prom = await import('prom-client').then((m) => (m.default ?? m) as PromClient).catch(() => undefined);
    if (!prom) return new MetricsService(undefined, undefined, prefix, options);
    return new MetricsService(prom, options.registry ?? new prom.Registry(), prefix, options);
  }

  /** True when metrics are recorded (prom-client is installed and metrics are not disabled). */
  get enabled(): boolean {
    return !!this.prom;
  }

  /**
   * A counter. Binding label values with `labels()` exports that series at 0 right away: an
   * alert on `increase()` then sees the first event too (a series born at 1 has no increase).
   */
  counter(name: string, help: string, labelNames: string[] = []): CounterMetric {
    const counter = this.instrument<CounterMetric>(name, 'counter', () => new this.prom!.Counter({ name: this.prefix + name, help, labelNames, registers: [this.promRegistry] }));
    if (!this.prom) return counter;
    let bound = this.counters.get(name);
    if (!bound) {
      bound = {
        inc: (labels?: Labels, value?: number) => counter.inc(labels, value),
        labels: (labels: Labels) => {
          counter.inc(labels, 0);
          return counter.labels(labels);
        },
      };
      this.counters.set(name, bound);
    }
    return bound;
  }

  gauge(name: string, help: string, labelNames: string[] = []): GaugeMetric {
    return this.instrument(name, 'gauge', () => new this.prom!.Gauge({ name: this.prefix + name, help, labelNames, registers: [this.promRegistry] }));
  }

  histogram(name: string, help: string, labelNames: string[] = [], buckets?: number[]): HistogramMetric {
    // An explicit `buckets: undefined` would replace prom-client's default buckets.
    return this.instrument(name, 'histogram', () =>
      new this.prom!.Histogram({ name: this.prefix + name, help, labelNames, ...(buckets && { buckets }), registers: [this.promRegistry] }),
    );
  }

  /**
   * A histogram for hot paths (once per Redis command): it aggregates in plain arrays and is
   * exported by the same registry, at about 1/30 of the cost per observation of prom-client's
   * Histogram. Same interface as {@link histogram}.
   *
   * @example
   * const latency = metrics.hotHistogram('op_seconds', 'Op latency', ['op'], [0.001, 0.01, 0.1]).labels({ op: 'get' });
   * latency.observe(0.0004);
   */
  hotHistogram(name: string, help: string, labelNames: string[], buckets: number[]): HistogramMetric {
    return this.instrument(name, 'histogram', () => {
      const histogram = new FastHistogram(this.prefix + name, help, labelNames, buckets);
      this.registry!.registerMetric(histogram as never);
      return histogram;
    });
  }

  /** The Prometheus text exposition of every metric ('' without prom-client). */
  async text(): Promise<string> {
    return this.registry ? this.registry.metrics() : '';
  }

  /** The Content-Type for {@link text}. */
  get contentType(): string {
    return this.registry?.contentType ?? 'text/plain; version=0.0.4; charset=utf-8';
  }

  private get promRegistry(): InstanceType<PromClient['Registry']> {
    return this.registry as InstanceType<PromClient['Registry']>;
  }

  private instrument<T>(name: string, kind: Kind, make: () => unknown): T {
    if (!this.prom) return noop as T;
    const known = this.instruments.get(name);
    if (known) {
      if (known.kind !== kind) throw new RediskitArgumentError('name', `"${name}" is already a ${known.kind}, cannot be a ${kind}`);
      return known.instrument as T;
    }
    // A registry shared by several modules (prom-client's global `register`, a test creating
    // two apps) already holds the metric: reuse it rather than fail on a duplicate name.
    const instrument = this.registry!.getSingleMetric(this.prefix + name) ?? make();
    this.instruments.set(name, { kind, instrument });
    return instrument as T;
  }
}
