import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './deploy-tools.js';
import { dashboardTargets, libraryMetrics, metricNamesIn, metricOfSeries, seriesOf } from './library-metrics.js';

const read = (path: string) => readFileSync(join(root, path), 'utf8');

describe('deploy/grafana and deploy/prometheus against the metrics the library exports', () => {
  const metrics = libraryMetrics();

  it('finds the library metrics in its source', () => {
    // A floor, so a broken source scan cannot make the checks below pass vacuously.
    expect(metrics.length).toBeGreaterThanOrEqual(48);
    expect(metrics.map((m) => m.name)).toEqual(expect.arrayContaining(['rediskit_redis_connection_up', 'rediskit_lock_lost_total', 'rediskit_pubsub_gap_seconds']));
  });

  it('the dashboard shows every metric the library exports', () => {
    const used = new Set(dashboardTargets().flatMap((t) => [...metricNamesIn(t.expr)]));
    expect(metrics.filter((m) => !seriesOf(m).some((s) => used.has(s))).map((m) => m.name)).toEqual([]);
  });

  it('the dashboard and the alerts name only series the library exports', () => {
    for (const [file, text] of [
      ['dashboard', dashboardTargets().map((t) => t.expr).join('\n')],
      ['alerts.yml', read('deploy/prometheus/alerts.yml')],
      ['alerts.test.yml', read('deploy/prometheus/alerts.test.yml')],
    ]) {
      const unknown = [...metricNamesIn(text)].filter((name) => !metricOfSeries(name, metrics));
      expect({ file, unknown }).toEqual({ file, unknown: [] });
    }
  });

  it('every panel query selects the job and instance variables, and the variables exist', () => {
    const dashboard = JSON.parse(read('deploy/grafana/dashboards/rediskit.json')) as { uid: string; templating: { list: { name: string }[] } };
    expect(dashboard.uid).toBe('rediskit');
    expect(dashboard.templating.list.map((v) => v.name)).toEqual(['datasource', 'job', 'instance']);
    for (const target of dashboardTargets()) {
      for (const name of metricNamesIn(target.expr)) {
        // every selector of a rediskit_ series carries both variables
        const selectors = target.expr.match(new RegExp(`${name}\\{[^}]*\\}`, 'g')) ?? [];
        expect({ panel: target.panel, name, ok: selectors.length > 0 && selectors.every((s) => s.includes('job=~"$job"') && s.includes('instance=~"$instance"')) }).toEqual({ panel: target.panel, name, ok: true });
      }
    }
  });
});
