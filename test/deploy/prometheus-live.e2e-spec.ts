import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RedisMonitor } from 'nestjs-rediskit';
import { createDemoApp } from '../../apps/demo/src/app.factory.js';
import { devPassword, REDIS_CONF } from '../harness/acl-users.js';
import { freePort, RedisServer, sleep, waitFor } from '../harness/index.js';
import { exited, spawnTracked } from '../harness/processes.js';
import { freshIp, sessionCookie } from '../demo/demo-app.js';
import { assertTools, deployTools, root } from './deploy-tools.js';
import { dashboardTargets, libraryMetrics, metricNamesIn, resolveGrafanaVariables, seriesOf } from './library-metrics.js';

// One scenario that builds on itself: a retry would start from a changed server.
jest.retryTimes(0);

const INSTALL = 'apt-get install prometheus';
const tools = deployTools(['prometheus'], 'the live Prometheus test of deploy/', INSTALL);

// Metrics the demo does not create (it uses no write-behind, and purges an edge only when
// DEMO_EDGE_VARNISH names a Varnish), so no series can exist. Checked below against the demo's
// own scrape: the day the demo registers one, it must show data.
const NOT_IN_DEMO = [
  'rediskit_cache_write_behind_total',
  'rediskit_edge_purge_duration_seconds',
  'rediskit_edge_purge_queue_tags',
  'rediskit_edge_purge_requests_total',
  'rediskit_edge_purge_tags_total',
];

interface Instance {
  app: NestExpressApplication;
  url: string;
}

/**
 * deploy/prometheus/prometheus.yml and alerts.yml in a real Prometheus (Debian's), scraping two
 * instances of the demo app (from source) that run against a redis-server started from
 * deploy/redis/redis.conf and users.acl as the `rediskit-demo` user, with the `rk:*` key and
 * channel patterns as they are. Traffic, a paused server, a SLOWLOG burst, a forged bus message
 * and a Redis restart make every metric move; then every expression of the Grafana dashboard
 * must return data through the HTTP API and every alert rule must evaluate without error.
 */
(tools.run ? describe : describe.skip)('Prometheus scraping the demo with the deploy/ configuration', () => {
  let redis: RedisServer;
  const demos: Instance[] = [];
  let prometheus: ChildProcess | undefined;
  let promUrl: string;
  let dir: string;
  let promLog = '';

  const query = async (expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> => {
    const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await res.json()) as { status: string; error?: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
    if (body.status !== 'success') throw new Error(`${expr}: ${body.error}`);
    return body.data.result;
  };

  beforeAll(async () => {
    assertTools(tools, INSTALL);
    dir = mkdtempSync(join(tmpdir(), 'rediskit-prometheus-'));
    redis = await RedisServer.start([], { configFile: REDIS_CONF, name: 'deploy-demo', clientAuth: { username: 'rediskit-demo', password: devPassword('rediskit-demo') } });
    const env = { NODE_ENV: 'test', REDIS_URL: redis.url, TRUST_PROXY: 'loopback', DEMO_SIMULATE_DRIVERS: 'true' };
    for (let i = 0; i < 2; i++) {
      const app = await createDemoApp(env, { logger: false });
      await app.listen(0, '127.0.0.1');
      demos.push({ app, url: (await app.getUrl()).replace('[::1]', '127.0.0.1') });
    }

    // The deploy configuration with this test's addresses and a 1 s rhythm; every replacement must hit.
    const promPort = await freePort();
    promUrl = `http://127.0.0.1:${promPort}`;
    let config = readFileSync(join(root, 'deploy/prometheus/prometheus.yml'), 'utf8');
    const replace = (from: string, to: string) => {
      if (!config.includes(from)) throw new Error(`deploy/prometheus/prometheus.yml no longer contains ${from}`);
      config = config.split(from).join(to);
    };
    replace('scrape_interval: 15s', 'scrape_interval: 1s');
    replace('evaluation_interval: 15s', 'evaluation_interval: 1s');
    replace('["demo:3000"]', JSON.stringify(demos.map((d) => d.url.replace('http://', ''))));
    replace('["redis-exporter:9121"]', `["127.0.0.1:${await freePort()}"]`);
    replace('["localhost:9090"]', `["127.0.0.1:${promPort}"]`);
    writeFileSync(join(dir, 'prometheus.yml'), config);
    copyFileSync(join(root, 'deploy/prometheus/alerts.yml'), join(dir, 'alerts.yml'));
    prometheus = spawnTracked('prometheus', [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`], dir);
    prometheus.stdout?.on('data', (d) => (promLog += d));
    prometheus.stderr?.on('data', (d) => (promLog += d));
    await waitFor(async () => (await fetch(`${promUrl}/-/ready`)).ok, 30_000, 'Prometheus to be ready').catch((e: Error) => {
      throw new Error(`${e.message}\n${promLog.slice(-2000)}`);
    });
  }, 120_000);

  afterAll(async () => {
    if (prometheus && prometheus.exitCode === null) {
      prometheus.kill('SIGTERM');
      const hard = setTimeout(() => prometheus!.kill('SIGKILL'), 5000);
      await exited(prometheus);
      clearTimeout(hard);
    }
    for (const d of demos) await d.app.close().catch(() => undefined);
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('scrapes both instances, and every expression of the Grafana dashboard returns data', async () => {
    const [a, b] = demos;
    const http = (d: Instance, path: string, init: RequestInit & { ip?: string; cookie?: string } = {}) =>
      fetch(d.url + path, {
        ...init,
        headers: { 'content-type': 'application/json', 'x-forwarded-for': init.ip ?? freshIp(), ...(init.cookie ? { cookie: init.cookie } : {}), ...(init.headers as object) },
      });
    const login = async (d: Instance, email: string) => {
      const res = await http(d, '/auth/login', { method: 'POST', body: JSON.stringify({ email, password: 'demo-password' }) });
      expect(res.status).toBe(200);
      return sessionCookie(res.headers.getSetCookie());
    };
    const sample = () => Promise.all(demos.map((d) => d.app.get(RedisMonitor).sampleNow()));

    await waitFor(async () => (await query('up{job="rediskit-app"} == 1')).length === 2, 30_000, 'both demo instances scraped');
    await sample(); // the monitor's baseline (SLOWLOG ids, counters)

    // Everyday traffic: catalog (HTTP and service caches), logins, orders (locks, pub/sub), drivers (the demo's GEO script).
    const ada = await login(a, 'ada@example.com');
    const grace = await login(b, 'grace@example.com');
    const stream = new AbortController();
    const live = await http(b, '/notifications/stream', { cookie: grace, signal: stream.signal, headers: { accept: 'text/event-stream' } });
    expect(live.status).toBe(200);
    const reading = (async () => {
      const reader = live.body!.getReader();
      for (;;) if ((await reader.read()).done) return;
    })().catch(() => undefined);
    try {
    for (const d of demos) {
      for (let i = 0; i < 3; i++) expect((await http(d, '/products')).status).toBe(200);
      for (const id of [1, 2, 3, 4]) expect((await http(d, `/products/${id}`)).status).toBe(200);
      expect((await http(d, '/products/9999')).status).toBe(404);
      expect((await http(d, '/health')).status).toBe(200);
      expect((await http(d, '/stats')).status).toBe(200);
      expect((await http(d, '/drivers/nearby?lat=52.52&lng=13.405&km=50')).status).toBe(200);
    }
    expect((await http(a, '/products/3', { method: 'PUT', cookie: ada, body: JSON.stringify({ priceCents: 12345 }) })).status).toBe(200);
    expect((await http(a, '/orders', { method: 'POST', cookie: ada, body: JSON.stringify({ productId: 2 }) })).status).toBe(201);
    const contended = await Promise.all([ada, grace].map((cookie, i) => http(demos[i], '/orders', { method: 'POST', cookie, body: JSON.stringify({ productId: 5 }) })));
    expect(contended.every((r) => r.status === 201 || r.status === 409)).toBe(true);
    expect([201, 409]).toContain((await http(b, '/orders', { method: 'POST', cookie: grace, body: JSON.stringify({ productId: 3 }) })).status);
    // Wrong step-up codes until the BIOMETRIC limit blocks (rate-limit decisions: blocked).
    const codes = [];
    for (let i = 0; i < 5; i++) codes.push((await http(a, '/auth/verify', { method: 'POST', cookie: ada, body: JSON.stringify({ code: 'guess' }) })).status);
    expect(codes).toContain(429);
    const bye = await login(b, 'alan@example.com');
    expect((await http(b, '/auth/logout', { method: 'POST', cookie: bye })).status).toBeLessThan(300);

    // A stalled server: commands wait past slowOperationThreshold (redis_slow_commands_total).
    // (repeated until one landed: on a busy machine a request may reach Redis after the pause)
    let product = 6;
    await waitFor(
      async () => {
        await redis.cli('CLIENT', 'PAUSE', '600', 'ALL');
        await Promise.all(demos.map((d) => http(d, `/products/${product++}`)));
        return /^rediskit_redis_slow_commands_total\{.*\} [1-9]/m.test(await (await http(a, '/metrics')).text());
      },
      20_000,
      'a command slower than 100 ms',
      200,
    );
    // A SLOWLOG burst: every command logged until the next sample (SLOWLOG entries, monitor alert).
    await redis.cli('CONFIG', 'SET', 'slowlog-log-slower-than', '0');
    for (const d of demos) for (const id of [1, 2, 3]) await http(d, `/products/${id}`);
    await sample();
    await redis.cli('CONFIG', 'SET', 'slowlog-log-slower-than', '10000');
    // A forged invalidation-bus message: dropped and counted, never applied.
    await redis.cli('PUBLISH', 'rk:shop:test:cache-bus', 'not a bus message');

    // Redis goes away: failure policies, errors, the breaker, a subscriber gap; then it comes back.
    await redis.stop();
    for (let i = 0; i < 8; i++) {
      await http(a, '/products/7');
      await http(a, '/auth/login', { method: 'POST', body: JSON.stringify({ email: 'ada@example.com', password: 'demo-password' }) });
      await http(b, '/auth/me', { cookie: grace });
      await http(b, '/orders', { method: 'POST', cookie: grace, body: JSON.stringify({ productId: 1 }) });
    }
    await sleep(1500);
    await redis.restart();
    for (const d of demos) await waitFor(async () => (await http(d, '/health')).status === 200, 30_000, 'the demo healthy again');
    // AOF: the sessions written before the restart are still there (see the default user in acl-users.json).
    expect((await http(a, '/auth/me', { cookie: ada })).status).toBe(200);
    for (const d of demos) for (const id of [1, 2, 3, 8]) await http(d, `/products/${id}`);
    await http(b, '/stats');
    await sample();

    // Every dashboard expression returns data (bounded wait for the scrapes to catch up).
    const targets = dashboardTargets().filter((t) => !NOT_IN_DEMO.some((n) => t.expr.includes(n)));
    let empty: string[] = [];
    const deadline = Date.now() + 30_000;
    do {
      await sleep(1000);
      empty = [];
      for (const t of targets) if ((await query(resolveGrafanaVariables(t.expr))).length === 0) empty.push(`${t.panel}: ${t.expr}`);
    } while (empty.length && Date.now() < deadline);
    expect(empty).toEqual([]);
    expect(targets.length).toBeGreaterThan(50);

    // The exempted metrics really are absent from the demo's scrape, and everything else is there.
    const scrape = await (await http(a, '/metrics')).text();
    const typed = new Set([...scrape.matchAll(/^# TYPE (rediskit_\S+)/gm)].map((m) => m[1]));
    const library = libraryMetrics().map((m) => m.name);
    expect(library.filter((n) => !typed.has(n)).sort()).toEqual(NOT_IN_DEMO);
    expect([...typed].filter((n) => !library.includes(n))).toEqual([]);
    expect(metricNamesIn(JSON.stringify(dashboardTargets())).size).toBeGreaterThanOrEqual(libraryMetrics().flatMap(seriesOf).length / 3);

    // The outage drove real alerts from the library's metrics.
    const firing = (await query('ALERTS{alertstate="firing"}')).map((r) => r.metric.alertname);
    expect(firing).toEqual(expect.arrayContaining(['RediskitPubSubGap', 'RediskitRateLimitFallback', 'RediskitSessionsUnavailable']));
    } finally {
      stream.abort();
      await reading;
    }
  }, 180_000);

  it('evaluates every rule of alerts.yml without error on the real series', async () => {
    const res = (await (await fetch(`${promUrl}/api/v1/rules`)).json()) as { data: { groups: { rules: { name: string; health: string; lastError?: string }[] }[] } };
    const rules = res.data.groups.flatMap((g) => g.rules);
    const alerts = [...readFileSync(join(root, 'deploy/prometheus/alerts.yml'), 'utf8').matchAll(/^\s*- alert: (\w+)$/gm)].map((m) => m[1]);
    expect(rules.map((r) => r.name).sort()).toEqual(alerts.sort());
    expect(rules.filter((r) => r.health !== 'ok').map((r) => `${r.name}: ${r.health} ${r.lastError ?? ''}`)).toEqual([]);
  });
});
