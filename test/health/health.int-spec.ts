import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, type INestApplication } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import {
  CacheHealthIndicator,
  RedisHealthIndicator,
  RedisModule,
  RedisRegistry,
  RediskitArgumentError,
  RediskitConfigError,
  SessionHealthIndicator,
} from 'nestjs-rediskit';
import { RedisServer, waitFor } from '../harness/index.js';
import { startHealthApp } from './fixtures/health-app.js';

@Controller()
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly redis: RedisHealthIndicator,
    private readonly cache: CacheHealthIndicator,
    private readonly sessions: SessionHealthIndicator,
  ) {}

  @Get('health')
  @HealthCheck()
  check() {
    return this.health.check([() => this.redis.isHealthy('redis'), () => this.cache.isHealthy('cache'), () => this.sessions.isHealthy('sessions')]);
  }
}

describe('Redis health indicators on a standalone server', () => {
  let server: RedisServer;
  let app: INestApplication;
  let redis: RedisHealthIndicator;

  beforeAll(async () => {
    server = await RedisServer.start();
    app = await startHealthApp({ url: server.url, reconnect: { maxDelay: 200 } }, 'hc', {
      options: { circuitBreaker: { recoveryTimeout: 300 } },
      controllers: [HealthController],
    });
    redis = app.get(RedisHealthIndicator);
  });
  afterAll(async () => {
    await app?.close();
    await server?.stop();
  });

  it('is up with latency, memory and circuit details', async () => {
    const result = await redis.isHealthy('redis');
    expect(result.redis).toMatchObject({ status: 'up', connection: 'default', topology: 'standalone', circuit: 'closed', maxMemory: 0, memoryRatio: null });
    expect(result.redis.latencyMs).toBeGreaterThanOrEqual(0);
    expect(result.redis.usedMemory).toBeGreaterThan(0);
    expect(result.redis.message).toBeUndefined();
  });

  it('the terminus route answers 200, 503 with Redis stopped, then 200 again', async () => {
    const http = app.getHttpServer();
    const up = await request(http).get('/health').expect(200);
    expect(up.body.info).toMatchObject({ redis: { status: 'up' }, cache: { status: 'up', namespace: 'cache' }, sessions: { status: 'up', namespace: 'session' } });

    await server.stop();
    const down = await request(http).get('/health').expect(503);
    expect(down.body.error.redis).toMatchObject({ status: 'down' });
    expect(down.body.error.redis.message).toMatch(/not connected|no answer|circuit/);
    expect(down.body.error.cache.status).toBe('down');

    await server.restart();
    await waitFor(async () => (await request(http).get('/health')).status === 200, 15_000, '/health to answer 200 again', 100);
    // The round trips deleted their keys.
    expect(await server.cli('--scan', '--pattern', 'hc:*')).toBe('');
  });

  it('is down when PING is slower than maxLatencyMs or there is no answer within the timeout', async () => {
    const slow = await redis.isHealthy('redis', { maxLatencyMs: 0 });
    expect(slow.redis.status).toBe('down');
    expect(slow.redis.message).toMatch(/PING took .* above maxLatencyMs 0/);

    server.pause();
    try {
      const frozen = await redis.isHealthy('redis', { timeout: 200 });
      expect(frozen.redis).toMatchObject({ status: 'down', message: 'no answer within 200 ms' });
    } finally {
      server.resume();
    }
    await waitFor(async () => (await redis.isHealthy('redis')).redis.status === 'up', 10_000, 'up after resume', 100);
  });

  it('is down when memory reaches memoryThreshold under noeviction, up with an eviction policy', async () => {
    const used = Number(/used_memory:(\d+)/.exec(await server.cli('INFO', 'memory'))![1]);
    await server.cli('CONFIG', 'SET', 'maxmemory', String(Math.ceil(used / 0.97)));
    try {
      await server.cli('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
      // Used memory moves as other clients come and go: a threshold well below the ~97% set
      // above keeps the check about the rule, not about a few kilobytes.
      const full = await redis.isHealthy('redis', { memoryThreshold: 0.6 });
      expect(full.redis).toMatchObject({ status: 'down', evictionPolicy: 'noeviction' });
      expect(full.redis.memoryRatio).toBeGreaterThan(0.6);
      expect(full.redis.message).toMatch(/memory \d+% of maxmemory .* memoryThreshold 0.6/);
      expect((await redis.isHealthy('redis', { memoryThreshold: 1 })).redis.status).toBe('up');

      await server.cli('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru');
      expect((await redis.isHealthy('redis')).redis).toMatchObject({ status: 'up', evictionPolicy: 'allkeys-lru' });
    } finally {
      await server.cli('CONFIG', 'SET', 'maxmemory', '0');
      await server.cli('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
    }
  });

  it('reports the circuit breaker state and is down while it is open', async () => {
    const { breaker } = app.get(RedisRegistry).get();
    breaker.open();
    try {
      const result = await redis.isHealthy('redis');
      expect(result.redis).toMatchObject({ status: 'down', circuit: 'isolated' });
      const trip = await redis.roundTrip('store');
      expect(trip.store).toMatchObject({ status: 'down', circuit: 'isolated' });
      expect(trip.store.message).toMatch(/Circuit breaker .* is open/);
    } finally {
      breaker.close();
    }
    expect((await redis.isHealthy('redis')).redis).toMatchObject({ status: 'up', circuit: 'closed' });
  });

  it('round-trips a health key in the given namespace and leaves nothing behind', async () => {
    const result = await redis.roundTrip('store', { namespace: 'orders' });
    expect(result.store).toMatchObject({ status: 'up', connection: 'default', namespace: 'orders', circuit: 'closed' });
    expect(result.store.latencyMs).toBeGreaterThanOrEqual(0);
    expect(await server.cli('--scan', '--pattern', 'hc:orders:*')).toBe('');
  });

  it('rejects bad arguments with typed errors naming them', async () => {
    await expect(redis.isHealthy('redis', { memoryThreshold: 2 })).rejects.toThrow(RediskitArgumentError);
    await expect(redis.isHealthy('redis', { maxLatencyMs: -1 })).rejects.toThrow(/maxLatencyMs/);
    await expect(redis.isHealthy('redis', { timeout: 'soon' })).rejects.toThrow(/timeout/);
    await expect(redis.isHealthy('redis', { connection: 'nope' })).rejects.toThrow(/connection "nope" is not configured/);
  });

  it('invalid health and metrics options fail at boot listing every bad field', async () => {
    const boot = Test.createTestingModule({
      imports: [
        RedisModule.forRoot({
          connection: { url: server.url },
          health: { timeout: 'soon', memoryThreshold: 3, monitor: { interval: -1, thresholds: { minHitRatio: 2, evictions: false } } },
          metrics: { prefix: 'bad prefix', commandBuckets: [-1] },
        }),
      ],
    }).compile();
    const error = (await boot.catch((e: unknown) => e)) as RediskitConfigError;
    expect(error).toBeInstanceOf(RediskitConfigError);
    expect(error.problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('health.timeout'),
        expect.stringContaining('health.memoryThreshold'),
        expect.stringContaining('health.monitor.interval'),
        expect.stringContaining('health.monitor.thresholds.minHitRatio'),
        expect.stringContaining('metrics.prefix'),
        expect.stringContaining('metrics.commandBuckets'),
      ]),
    );
    expect(error.problems.join('\n')).not.toContain('evictions');
  });
});
