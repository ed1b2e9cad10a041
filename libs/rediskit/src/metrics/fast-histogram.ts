import { RediskitArgumentError } from '../errors.js';
import type { BoundHistogram, HistogramMetric, Labels } from './metrics.service.js';

interface Series {
  labels: Labels;
  /** Observations per bucket (not cumulative); the last slot is above every bound. */
  counts: Float64Array;
  sum: number;
  count: number;
}

interface ExportedValue {
  metricName: string;
  labels: Record<string, string | number>;
  value: number;
}

/**
 * A histogram that pre-aggregates in plain arrays and builds its exposition only when the
 * registry is scraped. prom-client's Histogram hashes the label values on every `observe`,
 * even through `labels()`: about 30× the cost of this one's bucket search (≈1.8 µs against
 * ≈60 ns per observation measured here), which is too much once per Redis command.
 *
 * It is registered in a prom-client Registry through `registerMetric` and implements the
 * contract the registry uses (`name`, `type`, `get()`, `reset()`, `aggregator`), so the text
 * output is prom-client's own and indistinguishable from a prom-client Histogram.
 */
export class FastHistogram implements HistogramMetric {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly series = new Map<string, Series>();
  private readonly bounds: number[];

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: string[],
    buckets: number[],
  ) {
    this.bounds = [...buckets].sort((a, b) => a - b);
  }

  observe(labels: Labels, value: number): void {
    this.labels(labels).observe(value);
  }

  /** The series for these label values; keep it to observe without any lookup. */
  labels(labels: Labels): BoundHistogram {
    for (const name of Object.keys(labels)) {
      if (!this.labelNames.includes(name)) throw new RediskitArgumentError('labels', `"${name}" is not a label of ${this.name}`);
    }
    const id = this.labelNames.map((n) => String(labels[n] ?? '')).join('\u0000');
    let series = this.series.get(id);
    if (!series) this.series.set(id, (series = { labels: { ...labels }, counts: new Float64Array(this.bounds.length + 1), sum: 0, count: 0 }));
    const s = series;
    const bounds = this.bounds;
    return {
      observe(value: number) {
        let i = 0;
        while (i < bounds.length && value > bounds[i]) i++;
        s.counts[i]++;
        s.sum += value;
        s.count++;
      },
    };
  }

  /** What prom-client's registry reads at scrape time. */
  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: ExportedValue[] }> {
    const values: ExportedValue[] = [];
    for (const s of this.series.values()) {
      let cumulative = 0;
      this.bounds.forEach((le, i) => {
        cumulative += s.counts[i];
        values.push({ metricName: `${this.name}_bucket`, labels: { le, ...s.labels }, value: cumulative });
      });
      values.push(
        { metricName: `${this.name}_bucket`, labels: { le: '+Inf', ...s.labels }, value: s.count },
        { metricName: `${this.name}_sum`, labels: s.labels, value: s.sum },
        { metricName: `${this.name}_count`, labels: s.labels, value: s.count },
      );
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  /** Forgets every observation (prom-client's `registry.resetMetrics()`). */
  reset(): void {
    for (const s of this.series.values()) {
      s.counts.fill(0);
      s.sum = 0;
      s.count = 0;
    }
  }
}
