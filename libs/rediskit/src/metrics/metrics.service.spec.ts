import { describe, expect, it } from '@jest/globals';
import { Counter, Registry } from 'prom-client';
import { validateModuleOptions } from '../redis-module.validation.js';
import { RediskitArgumentError } from '../errors.js';
import { MetricsService } from './metrics.service.js';

describe('MetricsService', () => {
  it('creates an instrument once per name and binds labels', async () => {
    const metrics = await MetricsService.create({ prefix: 't_' });
    const hits = metrics.counter('hits_total', 'Hits', ['namespace']);
    expect(metrics.counter('hits_total', 'Hits', ['namespace'])).toBe(hits);
    hits.inc({ namespace: 'a' });
    hits.labels({ namespace: 'a' }).inc(2);
    metrics.histogram('latency_seconds', 'Latency', ['op'], [0.1, 1]).labels({ op: 'get' }).observe(0.5);
    metrics.gauge('size', 'Size').labels({}).set(7);
    const text = await metrics.text();
    expect(text).toContain('t_hits_total{namespace="a"} 3');
    expect(text).toContain('t_latency_seconds_bucket{le="1",op="get"} 1');
    expect(text).toContain('t_size 7');
  });

  it('exports a counter series at 0 as soon as its labels are bound, so increase() sees the first event', async () => {
    const metrics = await MetricsService.create({ prefix: 't_' });
    const lost = metrics.counter('lost_total', 'Lost', ['mode']);
    metrics.counter('other_total', 'Other', ['mode']).inc({ mode: 'a' }, 0); // inc by 0 exports it too
    expect(await metrics.text()).not.toContain('t_lost_total{');
    const single = lost.labels({ mode: 'single' });
    expect(await metrics.text()).toContain('t_lost_total{mode="single"} 0');
    single.inc();
    expect(await metrics.text()).toContain('t_lost_total{mode="single"} 1');
    expect(await metrics.text()).toContain('t_other_total{mode="a"} 0');
  });

  it('hotHistogram exports exactly what a prom-client Histogram exports for the same observations', async () => {
    const metrics = await MetricsService.create({ prefix: '' });
    const buckets = [0.001, 0.01, 0.1, 1];
    const hot = metrics.hotHistogram('hot', 'Latency', ['op'], buckets);
    const reference = metrics.histogram('ref', 'Latency', ['op'], buckets);
    const values = [0.0005, 0.001, 0.002, 0.05, 0.1, 0.7, 3, 0.02];
    for (const [i, v] of values.entries()) {
      const op = i % 2 ? 'get' : 'set';
      hot.labels({ op }).observe(v);
      reference.observe({ op }, v);
    }
    const [hotText, refText] = (await metrics.text()).trimEnd().split('\n\n');
    expect(hotText.replaceAll('hot', 'X')).toBe(refText.replaceAll('ref', 'X'));
    expect(() => hot.labels({ nope: 1 })).toThrow(RediskitArgumentError);
  });

  it('refuses a name already used by another kind of instrument', async () => {
    const metrics = await MetricsService.create();
    metrics.counter('things', 'Things');
    expect(() => metrics.gauge('things', 'Things')).toThrow(RediskitArgumentError);
  });

  it('reuses a metric already in a shared registry instead of failing on the duplicate name', async () => {
    const registry = new Registry();
    const first = await MetricsService.create({ registry });
    const second = await MetricsService.create({ registry });
    first.counter('shared_total', 'Shared').inc();
    second.counter('shared_total', 'Shared').inc();
    expect(await registry.metrics()).toContain('rediskit_shared_total 2');
  });

  it('module options accept a prom-client registry and reject bad metrics options', () => {
    const registry = new Registry();
    new Counter({ name: 'app_total', help: 'x', registers: [registry] });
    expect(() => validateModuleOptions({ connection: { url: 'redis://localhost:6379' }, metrics: { registry, commandBuckets: [0.01, 1] } })).not.toThrow();
    expect(() => validateModuleOptions({ connection: { url: 'redis://localhost:6379' }, metrics: { enabled: 'yes' as never, commands: 1 as never } })).toThrow(
      /metrics\.enabled[\s\S]*metrics\.commands/,
    );
  });

  it('refuses a registry that is not a prom-client Registry', async () => {
    await expect(MetricsService.create({ registry: {} as never })).rejects.toThrow(/metrics\.registry: must be a prom-client Registry/);
  });

  it('records nothing and exports nothing when disabled', async () => {
    const metrics = await MetricsService.create({ enabled: false });
    expect(metrics.enabled).toBe(false);
    const c = metrics.counter('x_total', 'X', ['a']);
    c.inc({ a: 1 });
    c.labels({ a: 1 }).inc();
    metrics.histogram('h', 'H').labels({}).observe(1);
    metrics.gauge('g', 'G').set({}, 1);
    expect(await metrics.text()).toBe('');
    expect(metrics.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });
});
