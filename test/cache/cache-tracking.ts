import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Cluster, Redis } from 'ioredis';
import type { CacheNamespace, RedisConnectionOptions } from 'nestjs-rediskit';
import { eventually, startCacheApp, type CacheApp } from './cache-app.js';

/** A Redis node of the topology, for redis-cli and CLIENT KILL. */
export interface TrackingNode {
  cli(...args: string[]): Promise<string>;
}

/**
 * `l1.coherence: 'tracking'` on one topology: memory copies are dropped when anything writes
 * the key (a raw client that is not the library, a Lua script, redis-cli), and when the
 * tracking connection is lost, memory is flushed once tracking is back. `bus` is an app with
 * today's default (the bus), which keeps serving what a foreign writer changed: what tracking adds.
 */
export function cacheTracking(
  topology: string,
  connection: () => RedisConnectionOptions,
  nodes: () => TrackingNode[],
  foreign: () => Redis | Cluster,
  restart?: () => Promise<void>,
): void {
  describe(`CacheService with l1.coherence 'tracking' (${topology})`, () => {
    let tracked: CacheApp;
    let bus: CacheApp;
    let raw: Redis | Cluster;
    let n = 0;
    const key = () => `tr${++n}:${Math.random().toString(36).slice(2, 8)}`;

    beforeAll(async () => {
      [tracked, bus] = await Promise.all([startCacheApp(connection(), { l1: { coherence: 'tracking' } }), startCacheApp(connection())]);
      raw = foreign();
    });
    afterAll(async () => {
      raw?.disconnect();
      await Promise.all([tracked?.close(), bus?.close()]);
    });

    // The value is served from memory: a second get is an L1 hit.
    const inMemory = async (app: CacheApp, ns: CacheNamespace, k: string) => {
      await ns.get(k);
      const hits = app.cache.stats().l1Hits;
      await ns.get(k);
      return app.cache.stats().l1Hits === hits + 1;
    };
    // Both apps hold `value` of `k` in memory.
    const heldByBoth = async (ns: string, k: string, value: unknown) => {
      for (const app of [tracked, bus]) {
        const view = app.cache.namespace(ns);
        await eventually(async () => (await view.get(k)) === value && (await inMemory(app, view, k)), 5000, `${k} in memory`);
      }
    };

    it('drops memory copies that a raw client overwrites or deletes', async () => {
      const ns = `trk${key()}`;
      const [k, source] = [key(), key()];
      await tracked.cache.namespace(ns).set(k, 'v1');
      await tracked.cache.namespace(ns).set(source, 'v2');
      await heldByBoth(ns, k, 'v1');
      const redisKey = tracked.cache.namespace(ns).redisKey(k);
      // Another service writes the key with its own client: a valid entry copied from elsewhere.
      await raw.set(redisKey, (await raw.getBuffer(tracked.cache.namespace(ns).redisKey(source)))!);
      await eventually(async () => (await tracked.cache.namespace(ns).get(k)) === 'v2', 5000, 'tracking to see v2');
      expect(await bus.cache.namespace(ns).get(k)).toBe('v1'); // the bus did not hear of it
      await raw.del(redisKey);
      await eventually(async () => (await tracked.cache.namespace(ns).get(k)) === undefined, 5000, 'tracking to drop the key');
    });

    it('drops memory copies that a Lua script or redis-cli changes', async () => {
      const ns = `trk${key()}`;
      const [k1, k2] = [key(), key()];
      await tracked.cache.namespace(ns).set(k1, 'a');
      await tracked.cache.namespace(ns).set(k2, 'b');
      await heldByBoth(ns, k1, 'a');
      await heldByBoth(ns, k2, 'b');
      const [r1, r2] = [k1, k2].map((k) => tracked.cache.namespace(ns).redisKey(k));
      await raw.eval("redis.call('UNLINK', KEYS[1])", 1, r1);
      await eventually(async () => (await tracked.cache.namespace(ns).get(k1)) === undefined, 5000, 'tracking to drop k1');
      const owner = await ownerOf(raw, r2, nodes());
      expect(await owner.cli('DEL', r2)).toBe('1');
      await eventually(async () => (await tracked.cache.namespace(ns).get(k2)) === undefined, 5000, 'tracking to drop k2');
      expect(await bus.cache.namespace(ns).get(k1)).toBe('a');
      expect(await bus.cache.namespace(ns).get(k2)).toBe('b');
    });

    // Memory was flushed: the first read after tracking is back asks Redis (an L1 miss),
    // although nothing wrote the key; and foreign writes are seen again.
    const flushedAndTracking = async (view: CacheNamespace, k: string) => {
      await eventually(() => trackingHealthy(tracked), 15_000, 'tracking back on every master');
      const misses = tracked.cache.stats().l1Misses;
      await view.get(k);
      expect(tracked.cache.stats().l1Misses).toBe(misses + 1);
      await view.set(k, 'again'); // a restart without persistence lost it
      await eventually(() => inMemory(tracked, view, k), 10_000, 'k in memory again');
      await raw.del(view.redisKey(k));
      await eventually(async () => (await view.get(k)) === undefined, 5000, 'tracking to drop k after the reconnect');
    };

    it('flushes memory when a tracking connection is lost, and tracks again once it is back', async () => {
      const view = tracked.cache.namespace(`trk${key()}`);
      const k = key();
      await view.set(k, 'kept');
      await eventually(() => inMemory(tracked, view, k), 5000, 'k in memory');
      for (const node of nodes()) {
        const ids = await trackingClients(node);
        expect(ids).toHaveLength(1); // one tracking subscriber per master
        await node.cli('CLIENT', 'KILL', 'ID', ids[0]);
      }
      await eventually(() => !trackingHealthy(tracked), 5000, 'tracking lost');
      await flushedAndTracking(view, k);
    });

    if (restart)
      it('flushes memory after a server restart, and tracks again', async () => {
        const view = tracked.cache.namespace(`trk${key()}`);
        const k = key();
        await view.set(k, 'kept');
        await eventually(() => inMemory(tracked, view, k), 5000, 'k in memory');
        const restarted = restart();
        await eventually(() => !trackingHealthy(tracked), 10_000, 'tracking lost');
        await restarted;
        await flushedAndTracking(view, k);
      });
  });
}

/** The node that holds `key` (the only one off a cluster). */
async function ownerOf(raw: Redis | Cluster, key: string, nodes: TrackingNode[]): Promise<TrackingNode> {
  if (!(raw instanceof Cluster)) return nodes[0];
  for (const node of nodes) if ((await node.cli('CLUSTER', 'COUNTKEYSINSLOT', await node.cli('CLUSTER', 'KEYSLOT', key))) !== '0' && (await node.cli('EXISTS', key)) === '1') return node;
  throw new Error(`no node holds ${key}`);
}

/** Whether every master of the app's cache is tracked (the engine is not public). */
function trackingHealthy(app: CacheApp): boolean {
  return (app.cache as unknown as { engine: { tracking: { healthy: boolean } } }).engine.tracking.healthy;
}

/** Ids of the cache's tracking connections on a node. */
async function trackingClients(node: TrackingNode): Promise<string[]> {
  const lines = (await node.cli('CLIENT', 'LIST')).split('\n').filter((line) => line.includes(':cache-tracking '));
  return lines.map((line) => /^id=(\d+)/.exec(line)![1]);
}
