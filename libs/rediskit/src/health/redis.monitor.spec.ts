import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { RedisRegistry } from '../connection/redis.registry.js';
import type { Keyspace } from '../keyspace/keyspace.js';
import type { RedisConnectionMetrics } from '../metrics/connection.metrics.js';
import type { MetricsService } from '../metrics/metrics.service.js';
import type { RedisModuleOptions } from '../options/redis-module-options.js';
import { RedisMonitor } from './redis.monitor.js';

// When the monitor samples: at boot with a `health.monitor` section, else once something
// listens to what sampling produces. A sample reads the registry's connections.

function monitorWith(options: Partial<RedisModuleOptions>): { monitor: RedisMonitor; samples: () => number } {
  let samples = 0;
  const registry = { all: () => (samples++, new Map()) } as unknown as RedisRegistry;
  const metric = { set: () => undefined, inc: () => undefined, labels: () => metric };
  const metrics = { gauge: () => metric, counter: () => metric } as unknown as MetricsService;
  const connectionMetrics = { onSlow: () => () => undefined } as unknown as RedisConnectionMetrics;
  const monitor = new RedisMonitor(registry, {} as Keyspace, metrics, connectionMetrics, { connection: {}, ...options } as RedisModuleOptions);
  return { monitor, samples: () => samples };
}

describe('RedisMonitor sampling', () => {
  beforeEach(() => {
    jest.useFakeTimers();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('samples on its interval from boot when health.monitor is configured', async () => {
    const { monitor, samples } = monitorWith({ health: { monitor: { interval: '1s' } } });
    monitor.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(3000);
    expect(samples()).toBe(3);
    await monitor.onApplicationShutdown();
  });

  it('without health.monitor, samples nothing until an event of sampling is listened to', async () => {
    const { monitor, samples } = monitorWith({ health: { timeout: '1s' } });
    monitor.onApplicationBootstrap();
    monitor.on('slow', () => undefined); // slow commands come from the command timing, not from sampling
    await jest.advanceTimersByTimeAsync(120_000);
    expect(samples()).toBe(0);
    monitor.on('alert', () => undefined);
    await jest.advanceTimersByTimeAsync(60_000);
    expect(samples()).toBe(2); // the default interval: 30 s
    await monitor.onApplicationShutdown();
  });

  it('never samples on an interval when turned off, even with listeners', async () => {
    for (const monitorOptions of [false, { enabled: false }] as const) {
      const { monitor, samples } = monitorWith({ health: { monitor: monitorOptions } });
      monitor.onApplicationBootstrap();
      monitor.on('sample', () => undefined);
      await jest.advanceTimersByTimeAsync(120_000);
      expect(samples()).toBe(0);
      await monitor.onApplicationShutdown();
    }
  });
});
