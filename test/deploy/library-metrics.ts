import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './deploy-tools.js';

export interface LibraryMetric {
  /** With the default prefix, e.g. rediskit_cache_hits_total. */
  name: string;
  kind: 'counter' | 'gauge' | 'histogram';
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.spec.ts') ? [join(dir, e.name)] : []));
}

/**
 * Every metric the library creates, read from its source: the names passed to MetricsService's
 * counter / gauge / histogram / hotHistogram, outside comments.
 */
export function libraryMetrics(): LibraryMetric[] {
  const found = new Map<string, LibraryMetric>();
  for (const file of sources(join(root, 'libs/rediskit/src'))) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (/^\s*(\*|\/\/|\/\*)/.test(line)) continue;
      for (const m of line.matchAll(/\b(counter|gauge|histogram|hotHistogram)\(\s*'([a-z][a-z0-9_]*)'/g)) {
        const kind = m[1] === 'gauge' ? 'gauge' : m[1] === 'histogram' || m[1] === 'hotHistogram' ? 'histogram' : 'counter';
        found.set(m[2], { name: `rediskit_${m[2]}`, kind });
      }
    }
  }
  return [...found.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** The series names a metric exports (a histogram: _bucket, _count, _sum). */
export function seriesOf(metric: LibraryMetric): string[] {
  return metric.kind === 'histogram' ? ['_bucket', '_count', '_sum'].map((s) => metric.name + s) : [metric.name];
}

/** The rediskit_* names an expression or file mentions. */
export function metricNamesIn(text: string): Set<string> {
  return new Set(text.match(/\brediskit_[a-z0-9_]+/g) ?? []);
}

/** The library metric a series name belongs to, or undefined. */
export function metricOfSeries(series: string, metrics = libraryMetrics()): LibraryMetric | undefined {
  return metrics.find((m) => seriesOf(m).includes(series));
}

export interface DashboardTarget {
  panel: string;
  expr: string;
}

/** Every PromQL expression of a Grafana dashboard JSON, with its panel title. */
export function dashboardTargets(file = join(root, 'deploy/grafana/dashboards/rediskit.json')): DashboardTarget[] {
  const dashboard = JSON.parse(readFileSync(file, 'utf8')) as { panels: { title: string; targets?: { expr: string }[] }[] };
  return dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));
}

/** An expression as Prometheus gets it from Grafana with every job and instance selected. */
export function resolveGrafanaVariables(expr: string, rateInterval = '1m'): string {
  return expr.replace(/\$__rate_interval/g, rateInterval).replace(/\$job|\$\{job\}/g, '.+').replace(/\$instance|\$\{instance\}/g, '.+');
}
