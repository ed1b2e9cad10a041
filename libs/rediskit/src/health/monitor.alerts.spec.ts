import { describe, expect, it } from '@jest/globals';
import { alertsOf, type RedisSample } from './monitor.alerts.js';
import { parseInfo, infoNumber } from './redis-info.js';

const calm: RedisSample = {
  connection: 'default',
  node: '127.0.0.1:6379',
  at: 0,
  usedMemory: 1e6,
  maxMemory: 0,
  memoryRatio: null,
  fragmentationRatio: 4, // small instances always look fragmented
  connectedClients: 5,
  maxClients: 10_000,
  opsPerSec: 100,
  evictions: 0,
  hitRatio: 0.2,
  lookups: 10,
  slowlogEntries: 0,
};

describe('alertsOf', () => {
  it('raises nothing for a calm node under the defaults', () => {
    expect(alertsOf(calm)).toEqual([]);
  });

  it('raises each default alert at its threshold', () => {
    const names = alertsOf({
      ...calm,
      usedMemory: 200e6,
      maxMemory: 210e6,
      memoryRatio: 200 / 210,
      fragmentationRatio: 1.6,
      evictions: 3,
      connectedClients: 8000,
      slowlogEntries: 10,
    }).map((a) => a.alert);
    expect(names).toEqual(['memoryRatio', 'fragmentationRatio', 'evictions', 'clientsRatio', 'slowlogEntries']);
  });

  it('hit ratio and ops/s alert only when configured; hit ratio only past 100 lookups', () => {
    const thresholds = { minHitRatio: 0.5, opsPerSec: 50 };
    expect(alertsOf(calm, thresholds).map((a) => a.alert)).toEqual(['opsPerSec']);
    const alerts = alertsOf({ ...calm, lookups: 100 }, thresholds);
    expect(alerts.map((a) => a.alert)).toEqual(['minHitRatio', 'opsPerSec']);
    expect(alerts[0]).toMatchObject({ value: 0.2, threshold: 0.5, message: '127.0.0.1:6379: keyspace hit ratio 20% over 100 lookups' });
  });

  it('a threshold set to false is not checked', () => {
    expect(alertsOf({ ...calm, evictions: 5 }, { evictions: false })).toEqual([]);
  });
});

describe('parseInfo', () => {
  it('reads fields and skips sections', () => {
    const f = parseInfo('# Memory\r\nused_memory:1024\r\nmaxmemory_policy:noeviction\r\n\r\n# Stats\r\nkeyspace_hits:3\r\n');
    expect(f).toEqual({ used_memory: '1024', maxmemory_policy: 'noeviction', keyspace_hits: '3' });
    expect(infoNumber(f, 'used_memory')).toBe(1024);
    expect(infoNumber(f, 'maxmemory_policy')).toBeUndefined();
    expect(infoNumber(f, 'missing')).toBeUndefined();
  });
});
