import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { RedisHealthIndicator } from 'nestjs-rediskit';
import { MASTER_NAME, SentinelFixture, waitFor } from '../harness/index.js';
import { startHealthApp } from './fixtures/health-app.js';

describe('health through Sentinel', () => {
  let group: SentinelFixture;
  let app: INestApplication;
  let redis: RedisHealthIndicator;

  beforeAll(async () => {
    group = await SentinelFixture.start();
    app = await startHealthApp({ sentinels: group.addresses, name: MASTER_NAME }, 'hcs');
    redis = app.get(RedisHealthIndicator);
  });
  afterAll(async () => {
    await app?.close();
    await group?.stop();
  });

  it('is up, talking to the master the sentinels report', async () => {
    const result = await redis.isHealthy('redis');
    const master = `127.0.0.1:${group.master.port}`;
    expect(result.redis).toMatchObject({ status: 'up', topology: 'sentinel', sentinel: { master, connectedTo: master } });
    expect((await redis.roundTrip('sessions', { namespace: 'session' })).sessions.status).toBe('up');
  });

  it('is down while no sentinel answers, up again when they are back', async () => {
    await Promise.all(group.sentinels.map((s) => s.stop()));
    const down = await redis.isHealthy('redis');
    expect(down.redis.status).toBe('down');
    expect(down.redis.message).toMatch(/ECONNREFUSED|Connection is closed|no answer/);
    await Promise.all(group.sentinels.map((s) => s.restart()));
    await waitFor(async () => (await redis.isHealthy('redis')).redis.status === 'up', 15_000, 'up with sentinels back', 200);
  });

  it('follows a failover: up again on the new master', async () => {
    await group.waitDiscovered();
    await group.failover();
    const replica = `127.0.0.1:${group.replica.port}`;
    await waitFor(async () => (await redis.isHealthy('redis')).redis.status === 'up' && (await redis.isHealthy('redis')).redis.sentinel?.master === replica, 20_000, 'up on the new master', 200);
    expect((await redis.isHealthy('redis')).redis.sentinel).toEqual({ master: replica, connectedTo: replica });
  });
});
