import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { Keyspace, MetricsService, RedisHealthIndicator, RedisMonitor, RedisRegistry } from 'nestjs-rediskit';
import { RedisClusterFixture, waitFor } from '../harness/index.js';
import { startHealthApp } from './fixtures/health-app.js';
import { parsePrometheusText, sampleValue } from './prometheus-text.js';

describe('health and metrics on a 3-master cluster', () => {
  let cluster: RedisClusterFixture;
  let app: INestApplication;
  let redis: RedisHealthIndicator;

  beforeAll(async () => {
    cluster = await RedisClusterFixture.start();
    app = await startHealthApp({ cluster: { nodes: cluster.addresses } }, 'hcc', { options: { circuitBreaker: { recoveryTimeout: 300 } } });
    redis = app.get(RedisHealthIndicator);
  });
  afterAll(async () => {
    await app?.close();
    await cluster?.stop();
  });

  it('is up with cluster_state ok on every master', async () => {
    const result = await redis.isHealthy('redis');
    expect(result.redis).toMatchObject({ status: 'up', topology: 'cluster', circuit: 'closed', cluster: { state: 'ok', masters: 3, size: 3, failing: [] } });
    expect((await redis.roundTrip('store', { namespace: 'cache' })).store.status).toBe('up');
  });

  it('times cluster commands and samples every master', async () => {
    const connection = app.get(RedisRegistry).get();
    const keyspace = app.get(Keyspace);
    await Promise.all(Array.from({ length: 30 }, (_, i) => connection.run((c) => c.set(keyspace.key('spread', i), 'v'))));
    const samples = await app.get(RedisMonitor).sampleNow();
    expect(new Set(samples.map((s) => s.node))).toEqual(new Set(cluster.addresses.map((a) => `${a.host}:${a.port}`)));
    const m = parsePrometheusText(await app.get(MetricsService).text());
    expect(sampleValue(m, 'rediskit_redis_command_duration_seconds_count', { connection: 'default', command: 'set' })).toBeGreaterThanOrEqual(30);
    expect(m.get('rediskit_redis_memory_used_bytes')?.samples).toHaveLength(3);
  });

  it('is down when a master stops, and up again once the cluster heals', async () => {
    const node = cluster.nodes[1];
    await node.stop();
    let down = await redis.isHealthy('redis');
    await waitFor(async () => (down = await redis.isHealthy('redis')).redis.status === 'down', 15_000, 'down with a master stopped', 100);
    expect(down.redis.message).toBeTruthy();
    // Not up again while the master is away (first its calls fail, then cluster_state fails).
    for (let i = 0; i < 5; i++) expect((await redis.isHealthy('redis')).redis.status).toBe('down');

    await node.restart();
    await cluster.waitHealthy();
    await waitFor(async () => (await redis.isHealthy('redis')).redis.status === 'up', 20_000, 'up after the master is back', 200);
    // The client learns the returned master back at its next slot refresh.
    await waitFor(async () => (await redis.isHealthy('redis')).redis.cluster?.masters === 3, 20_000, 'the client to know 3 masters again', 200);
    expect((await redis.isHealthy('redis')).redis).toMatchObject({ status: 'up', cluster: { state: 'ok', masters: 3, size: 3, failing: [] } });
  });
});
