import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { Logger, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Counter, Registry } from 'prom-client';
import {
  Keyspace,
  MetricsService,
  RedisModule,
  RedisMonitor,
  RedisRegistry,
  type RedisAlert,
  type SlowCommand,
  type SlowlogEntry,
} from 'nestjs-rediskit';
import { RedisServer, waitFor } from '../harness/index.js';
import { sendNow } from '../internals.js';
import { parsePrometheusText, sampleValue } from './prometheus-text.js';

describe('core metrics and the Redis monitor on a standalone server', () => {
  let server: RedisServer;
  let app: INestApplication;
  let metrics: MetricsService;
  let monitor: RedisMonitor;
  let keyspace: Keyspace;
  const scrape = async () => parsePrometheusText(await metrics.text());
  const conn = { connection: 'default' };

  beforeAll(async () => {
    server = await RedisServer.start();
    const moduleRef = await Test.createTestingModule({
      imports: [
        RedisModule.forRoot({
          connection: { url: server.url, commandTimeout: 1000, reconnect: { maxDelay: 100 } },
          keyspace: { prefix: 'mt' },
          health: { monitor: { enabled: false, thresholds: { minHitRatio: 0.5, evictions: 1 } } },
          metrics: { namespaces: ['orders'] },
        }),
      ],
    }).compile();
    app = await moduleRef.createNestApplication({ logger: false }).init();
    metrics = app.get(MetricsService);
    monitor = app.get(RedisMonitor);
    keyspace = app.get(Keyspace);
  });
  afterAll(async () => {
    await app?.close();
    await server?.stop();
  });

  it('times every command by connection and command name, never by key', async () => {
    const connection = app.get(RedisRegistry).get();
    const key = keyspace.key('users', 'user-secret-42');
    const before = sampleValue(await scrape(), 'rediskit_redis_command_duration_seconds_count', { ...conn, command: 'get' });
    await connection.run((c) => c.set(key, 'v'));
    await Promise.all([1, 2, 3].map(() => connection.run((c) => c.get(key))));
    await connection.client.multi().get(key).exec(); // a transaction passes through too
    await connection.run((c) => sendNow(c, 'get', [key])); // so does a batcher's command, sent past auto-pipelining
    const after = await scrape();
    expect(sampleValue(after, 'rediskit_redis_command_duration_seconds_count', { ...conn, command: 'get' }) - before).toBe(5);
    expect(sampleValue(after, 'rediskit_redis_command_duration_seconds_count', { ...conn, command: 'set' })).toBeGreaterThanOrEqual(1);
    expect(after.get('rediskit_redis_command_duration_seconds')?.type).toBe('histogram');
    expect(await metrics.text()).not.toContain('user-secret-42');
  });

  it('counts failed commands by reason', async () => {
    const connection = app.get(RedisRegistry).get();
    const key = keyspace.key('users', 'plain');
    await connection.run((c) => c.set(key, 'v'));
    await expect(connection.run((c) => c.hget(key, 'f'))).rejects.toThrow(/WRONGTYPE/);
    expect(sampleValue(await scrape(), 'rediskit_redis_command_errors_total', { ...conn, command: 'hget', reason: 'reply' })).toBe(1);
  });

  it('shows the circuit state and counts its transitions', async () => {
    const { breaker } = app.get(RedisRegistry).get();
    let m = await scrape();
    expect(sampleValue(m, 'rediskit_redis_circuit_state', { ...conn, state: 'closed' })).toBe(1);
    breaker.open();
    m = await scrape();
    expect(sampleValue(m, 'rediskit_redis_circuit_state', { ...conn, state: 'isolated' })).toBe(1);
    expect(sampleValue(m, 'rediskit_redis_circuit_state', { ...conn, state: 'closed' })).toBe(0);
    expect(sampleValue(m, 'rediskit_redis_circuit_transitions_total', { ...conn, state: 'isolated' })).toBe(1);
    breaker.close();
    m = await scrape();
    expect(sampleValue(m, 'rediskit_redis_circuit_state', { ...conn, state: 'closed' })).toBe(1);
    expect(sampleValue(m, 'rediskit_redis_circuit_transitions_total', { ...conn, state: 'closed' })).toBe(1);
  });

  it('logs and counts commands slower than 100 ms with their namespace, not their key', async () => {
    const connection = app.get(RedisRegistry).get();
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const slow: SlowCommand[] = [];
    const off = monitor.on('slow', (c) => slow.push(c));
    try {
      // Writes wait while clients are paused: the SET takes about 400 ms.
      await server.cli('CLIENT', 'PAUSE', '400', 'WRITE');
      await connection.run((c) => c.set(keyspace.key('cache', 'user-secret-43'), 'v'));
      expect(slow).toEqual([expect.objectContaining({ connection: 'default', command: 'set', namespace: 'cache' })]);
      expect(slow[0].durationMs).toBeGreaterThanOrEqual(100);
      const line = warn.mock.calls.map((c) => String(c[0])).find((l) => l.startsWith('Slow Redis command'));
      expect(line).toMatch(/^Slow Redis command SET on namespace "cache" took \d+(\.\d)? ms \(connection default\)$/);
      expect(line).not.toContain('user-secret-43');
      expect(sampleValue(await scrape(), 'rediskit_redis_slow_commands_total', { ...conn, command: 'set', namespace: 'cache' })).toBe(1);
    } finally {
      off();
      warn.mockRestore();
    }
  });

  it("labels slow commands only with rediskit's namespaces and the allowlisted ones: keys named after users are all `other`", async () => {
    const raw = app.get(RedisRegistry).get().client; // what @InjectRedis() gives the app
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const slow: SlowCommand[] = [];
    const off = monitor.on('slow', (c) => slow.push(c));
    const count = (m: Awaited<ReturnType<typeof scrape>>, namespace: string) => sampleValue(m, 'rediskit_redis_slow_commands_total', { ...conn, command: 'set', namespace });
    const before = await scrape();
    let logged: string;
    try {
      await server.cli('CLIENT', 'PAUSE', '400', 'WRITE');
      // `mt:user-<n>:cart`: the first segment after the keyspace root is a user id.
      await Promise.all([
        ...Array.from({ length: 25 }, (_, i) => raw.set(`${keyspace.root}user-${1000 + i}:cart`, 'v')),
        raw.set(keyspace.key('orders', 7), 'v'),
        raw.set(keyspace.key('ratelimit', 'x'), 'v'),
      ]);
      logged = warn.mock.calls.map((c) => String(c[0])).join('\n');
    } finally {
      off();
      warn.mockRestore();
    }
    expect(slow).toHaveLength(27);
    expect(new Set(slow.map((c) => c.namespace))).toEqual(new Set(['other', 'orders', 'ratelimit']));
    const after = await scrape();
    expect(count(after, 'other') - count(before, 'other')).toBe(25);
    expect(count(after, 'orders') - count(before, 'orders')).toBe(1);
    expect(count(after, 'ratelimit') - count(before, 'ratelimit')).toBe(1);
    // One series per namespace, whatever the number of users (other commands — the monitor's
    // own INFO on a loaded machine — may be slow too: only SET is counted here).
    const series = after.get('rediskit_redis_slow_commands_total')!.samples.filter((s) => s.labels.command === 'set').map((s) => s.labels.namespace);
    expect(series.filter((n) => n !== 'cache').sort()).toEqual(['orders', 'other', 'ratelimit']);
    expect(await metrics.text()).not.toMatch(/user-1\d{3}/);
    expect(logged).not.toMatch(/user-1\d{3}/);
    expect(logged).toContain('namespace "other"');
  });

  it('samples INFO into gauges: memory, fragmentation, clients, ops/s, hit ratio', async () => {
    const connection = app.get(RedisRegistry).get();
    await monitor.sampleNow(); // baseline for the interval deltas
    const key = keyspace.key('users', 'hit');
    await connection.run((c) => c.set(key, 'v'));
    for (let i = 0; i < 3; i++) await connection.run((c) => c.get(key));
    await connection.run((c) => c.get(keyspace.key('users', 'missing')));
    const [sample] = await monitor.sampleNow();
    expect(sample).toMatchObject({ connection: 'default', node: `127.0.0.1:${server.port}`, hitRatio: 0.75, lookups: 4, evictions: 0 });
    expect(monitor.latest()).toEqual([sample]);
    const m = await scrape();
    const node = { ...conn, node: `127.0.0.1:${server.port}` };
    expect(sampleValue(m, 'rediskit_redis_memory_used_bytes', node)).toBeGreaterThan(0);
    expect(sampleValue(m, 'rediskit_redis_memory_fragmentation_ratio', node)).toBeGreaterThan(0);
    expect(sampleValue(m, 'rediskit_redis_connected_clients', node)).toBeGreaterThanOrEqual(1);
    expect(sampleValue(m, 'rediskit_redis_keyspace_hit_ratio', node)).toBe(0.75);
    expect(m.get('rediskit_redis_ops_per_second')?.samples).toHaveLength(1);
    expect(m.get('rediskit_redis_memory_max_bytes')?.samples).toHaveLength(1);
  });

  it('raises an alert once when keys are evicted, and resolves it when evictions stop', async () => {
    const connection = app.get(RedisRegistry).get();
    const alerts: RedisAlert[] = [];
    const resolved: RedisAlert[] = [];
    const offA = monitor.on('alert', (a) => alerts.push(a));
    const offR = monitor.on('resolved', (a) => resolved.push(a));
    await monitor.sampleNow();
    const used = Number(/used_memory:(\d+)/.exec(await server.cli('INFO', 'memory'))![1]);
    await server.cli('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-random');
    await server.cli('CONFIG', 'SET', 'maxmemory', String(used + 200_000));
    try {
      const value = 'x'.repeat(2000);
      for (let i = 0; i < 300; i++) await connection.run((c) => c.set(keyspace.key('fill', i), value));
      const [sample] = await monitor.sampleNow();
      expect(sample.evictions).toBeGreaterThan(0);
      expect(sample.maxMemory).toBe(used + 200_000);
      // A full Redis that evicts: both the memory and the eviction alerts.
      expect(alerts).toEqual([
        expect.objectContaining({ alert: 'memoryRatio', connection: 'default', threshold: 0.9 }),
        expect.objectContaining({ alert: 'evictions', connection: 'default', threshold: 1 }),
      ]);
      expect(monitor.activeAlerts().map((a) => a.alert)).toContain('evictions');
      const m = await scrape();
      expect(sampleValue(m, 'rediskit_redis_evicted_keys_total', conn)).toBe(sample.evictions);
      expect(sampleValue(m, 'rediskit_redis_alerts_total', { ...conn, alert: 'evictions' })).toBe(1);
    } finally {
      await server.cli('CONFIG', 'SET', 'maxmemory', '0');
      await server.cli('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
    }
    // Redis may finish an eviction cycle in the background just after the limit is lifted.
    await waitFor(async () => (await monitor.sampleNow()) && resolved.length === 2, 5000, 'alerts resolved', 50);
    expect(resolved.map((a) => a.alert).sort()).toEqual(['evictions', 'memoryRatio']);
    expect(alerts).toHaveLength(2);
    offA();
    offR();
  });

  it('raises a hit-ratio alert after 100 lookups below minHitRatio', async () => {
    const connection = app.get(RedisRegistry).get();
    const alerts: RedisAlert[] = [];
    const off = monitor.on('alert', (a) => alerts.push(a));
    await monitor.sampleNow();
    await Promise.all(Array.from({ length: 120 }, (_, i) => connection.run((c) => c.get(keyspace.key('users', 'nobody', i)))));
    await monitor.sampleNow();
    off();
    expect(alerts).toEqual([expect.objectContaining({ alert: 'minHitRatio', value: 0, threshold: 0.5 })]);
  });

  it('reports new SLOWLOG entries with command and namespace only', async () => {
    const connection = app.get(RedisRegistry).get();
    const entries: SlowlogEntry[] = [];
    const off = monitor.on('slowlog', (e) => entries.push(e));
    await monitor.sampleNow();
    await server.cli('CONFIG', 'SET', 'slowlog-log-slower-than', '0');
    try {
      await connection.run((c) => c.get(keyspace.key('session', 'user-secret-44')));
      await monitor.sampleNow();
    } finally {
      await server.cli('CONFIG', 'SET', 'slowlog-log-slower-than', '10000');
      off();
    }
    const get = entries.find((e) => e.command === 'get');
    expect(get).toMatchObject({ connection: 'default', namespace: 'session' });
    expect(JSON.stringify(entries)).not.toContain('user-secret-44');
    expect(sampleValue(await scrape(), 'rediskit_redis_slowlog_entries_total', conn)).toBeGreaterThanOrEqual(entries.length);
  });

  it('counts reconnects and shows the connection down, then up again', async () => {
    const connection = app.get(RedisRegistry).get();
    expect(sampleValue(await scrape(), 'rediskit_redis_connection_up', conn)).toBe(1);
    await server.stop();
    await waitFor(async () => sampleValue(await scrape(), 'rediskit_redis_connection_up', conn) === 0, 10_000, 'connection_up 0');
    await server.restart();
    await waitFor(async () => connection.isReady, 10_000, 'reconnected');
    const m = await scrape();
    expect(sampleValue(m, 'rediskit_redis_connection_up', conn)).toBe(1);
    expect(sampleValue(m, 'rediskit_redis_reconnects_total', conn)).toBeGreaterThanOrEqual(1);
  });

  it('registers in the application\'s own prom-client registry when given one', async () => {
    const registry = new Registry();
    new Counter({ name: 'app_orders_total', help: 'Orders', registers: [registry] }).inc();
    const moduleRef = await Test.createTestingModule({
      imports: [RedisModule.forRoot({ connection: { url: server.url }, metrics: { registry }, health: { monitor: false } })],
    }).compile();
    const other = await moduleRef.createNestApplication({ logger: false }).init();
    try {
      await other.get(RedisRegistry).get().run((c) => c.ping());
      const families = parsePrometheusText(await registry.metrics());
      expect(sampleValue(families, 'app_orders_total')).toBe(1);
      expect(sampleValue(families, 'rediskit_redis_connection_up', conn)).toBe(1);
      expect(sampleValue(families, 'rediskit_redis_command_duration_seconds_count', { ...conn, command: 'ping' })).toBeGreaterThanOrEqual(1);
    } finally {
      await other.close();
    }
  });

  it('exports valid Prometheus text with every core metric typed', async () => {
    const families = await scrape();
    const expected: Record<string, string> = {
      rediskit_redis_command_duration_seconds: 'histogram',
      rediskit_redis_command_errors_total: 'counter',
      rediskit_redis_reconnects_total: 'counter',
      rediskit_redis_connection_up: 'gauge',
      rediskit_redis_circuit_state: 'gauge',
      rediskit_redis_circuit_transitions_total: 'counter',
      rediskit_redis_slow_commands_total: 'counter',
      rediskit_redis_memory_used_bytes: 'gauge',
      rediskit_redis_memory_max_bytes: 'gauge',
      rediskit_redis_memory_fragmentation_ratio: 'gauge',
      rediskit_redis_connected_clients: 'gauge',
      rediskit_redis_ops_per_second: 'gauge',
      rediskit_redis_keyspace_hit_ratio: 'gauge',
      rediskit_redis_evicted_keys_total: 'counter',
      rediskit_redis_slowlog_entries_total: 'counter',
      rediskit_redis_alerts_total: 'counter',
    };
    for (const [name, type] of Object.entries(expected)) {
      expect({ name, type: families.get(name)?.type, samples: (families.get(name)?.samples.length ?? 0) > 0 }).toEqual({ name, type, samples: true });
    }
    expect(metrics.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });
});
