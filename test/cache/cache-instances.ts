import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { RedisConnectionOptions } from 'nestjs-rediskit';
import { sleep } from '../harness/index.js';
import { eventually, startCacheApp, type CacheApp } from './cache-app.js';

/** Several app instances (each a Nest app with its own CacheService) sharing one Redis. */
export function cacheInstances(topology: string, connection: () => RedisConnectionOptions): void {
  describe(`CacheService across instances (${topology})`, () => {
    let apps: CacheApp[];
    let n = 0;
    const key = () => `i${++n}:${Math.random().toString(36).slice(2, 8)}`;

    beforeAll(async () => {
      apps = await Promise.all(Array.from({ length: 4 }, () => startCacheApp(connection())));
    });
    afterAll(async () => {
      await Promise.all((apps ?? []).map((a) => a.close()));
    });

    it('writes and deletes on one instance remove stale memory entries on the others', async () => {
      const [a, b] = apps;
      const k = key();
      await a.cache.set(k, 'v1');
      expect(await b.cache.get(k)).toBe('v1'); // b now holds v1 in memory
      await a.cache.set(k, 'v2');
      await eventually(async () => (await b.cache.get(k)) === 'v2', 5000, 'b to see v2');
      await a.cache.del(k);
      await eventually(async () => (await b.cache.get(k)) === undefined, 5000, 'b to drop the key');
      // own messages are ignored: a's memory entry written by a is still served from memory
      await a.cache.set(k, 'v3');
      const hits = a.cache.stats().l1Hits;
      await sleep(50);
      expect(await a.cache.get(k)).toBe('v3');
      expect(a.cache.stats().l1Hits).toBe(hits + 1);
    });

    it('lock: true calls the loader once across 4 instances × 100 concurrent misses', async () => {
      const k = key();
      let calls = 0;
      const loader = async () => {
        calls++;
        await sleep(100);
        return { built: calls };
      };
      const results = await Promise.all(apps.flatMap((app) => Array.from({ length: 100 }, () => app.cache.getOrSet(k, loader, { lock: true, ttl: '1m' }))));
      expect(calls).toBe(1);
      expect(results).toHaveLength(400);
      expect(results.every((r) => r.built === 1)).toBe(true);
    });

    it('without lock, each instance loads once (per-process single flight)', async () => {
      const k = key();
      let calls = 0;
      const loader = async () => {
        calls++;
        await sleep(50);
        return calls;
      };
      await Promise.all(apps.flatMap((app) => Array.from({ length: 50 }, () => app.cache.getOrSet(k, loader))));
      expect(calls).toBeLessThanOrEqual(apps.length);
    });

    it('a lock holder that fails lets the waiting instances load themselves', async () => {
      const [a, b] = apps;
      const k = key();
      let calls = 0;
      const failing = async () => {
        calls++;
        await sleep(50);
        throw new Error('loader failed');
      };
      const ok = async () => {
        calls++;
        return 'ok';
      };
      const first = a.cache.getOrSet(k, failing, { lock: true });
      await eventually(() => calls === 1, 5000, 'a to hold the lock and load'); // a's loader runs under the lock
      const second = b.cache.getOrSet(k, ok, { lock: true });
      await expect(first).rejects.toThrow('loader failed');
      expect(await second).toBe('ok');
      expect(calls).toBe(2);
    });
  });
}
