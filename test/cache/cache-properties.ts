import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import calculateSlot from 'cluster-key-slot';
import { Cluster, type Redis } from 'ioredis';
import {
  RediskitArgumentError,
  RediskitSerializationError,
  RediskitValueTooLargeError,
  type CacheService,
  type RedisConnectionOptions,
} from 'nestjs-rediskit';
import { sleep } from '../harness/index.js';
import { eventually, startCacheApp, type CacheApp } from './cache-app.js';

/**
 * The cache's core properties, run against one topology: `connection` points at a standalone
 * server or a cluster. Two app instances (a, b) share the Redis.
 */
export function cacheCoreProperties(topology: string, connection: () => RedisConnectionOptions): void {
  describe(`CacheService core properties (${topology})`, () => {
    let a: CacheApp;
    let b: CacheApp;
    let cloneApp: CacheApp;
    let cache: CacheService;
    let n = 0;
    const key = () => `k${++n}:${Math.random().toString(36).slice(2, 8)}`;

    beforeAll(async () => {
      [a, b, cloneApp] = await Promise.all([
        startCacheApp(connection(), { defaultTtl: '1m', maxValueSize: 10_000 }),
        startCacheApp(connection(), { defaultTtl: '1m' }),
        startCacheApp(connection(), { l1: { mode: 'clone' } }),
      ]);
      cache = a.cache;
    });
    afterAll(async () => {
      await Promise.all([a?.close(), b?.close(), cloneApp?.close()]);
    });

    it('set / get / has / ttl / del round-trip through Redis', async () => {
      const k = key();
      expect(await cache.get(k)).toBeUndefined();
      await cache.set(k, { id: 1, tags: ['x'] }, { ttl: '30s' });
      expect(await cache.get(k)).toEqual({ id: 1, tags: ['x'] });
      expect(await b.cache.get(k)).toEqual({ id: 1, tags: ['x'] });
      expect(await cache.has(k)).toBe(true);
      const ttl = await b.cache.ttl(k);
      expect(ttl).toBeGreaterThan(25_000);
      expect(ttl).toBeLessThanOrEqual(30_000);
      expect(await cache.del(k)).toBe(1);
      expect(await cache.get(k)).toBeUndefined();
      expect(await cache.has(k)).toBe(false);
      expect(await cache.ttl(k)).toBeUndefined();
      await cache.set(k, null);
      expect(await cache.get(k)).toBeNull();
      await cache.set(k, 'text');
      expect(await cache.get(k)).toBe('text');
      expect(await cache.del([k, key()])).toBe(1);
    });

    it('keeps user keys inside their namespace (encoded key parts)', async () => {
      const users = cache.namespace('users');
      await users.set('a:b*', 1);
      expect(users.redisKey('a:b*')).toBe('ct:cache:cache:users:a%3Ab%2A');
      expect(await cache.get('a:b*')).toBeUndefined();
      expect(await users.get('a:b*')).toBe(1);
      expect(await b.cache.namespace('users').get('a:b*')).toBe(1);
    });

    it('an L2 hit fills L1 with the remaining TTL, not the full one', async () => {
      const k = key();
      await a.cache.set(k, 'v', { ttl: 1200 });
      await sleep(600);
      expect(await b.cache.get(k)).toBe('v'); // L2 hit on b fills b's memory
      const raw = b.registry.get().client;
      await raw.del(b.cache.redisKey(k)); // behind the cache's back: no bus message
      expect(await b.cache.get(k)).toBe('v'); // served from memory
      expect(b.cache.stats().namespaces.default.l1Hits).toBeGreaterThan(0);
      await sleep(800); // past the original expiry, well before 1200 ms after the fill
      expect(await b.cache.get(k)).toBeUndefined();
    });

    it('a caller that mutates a returned value never changes what the next caller gets', async () => {
      const k = key();
      const original = { list: [1, 2], nested: { n: 1 } };
      await cache.set(k, original);
      original.nested.n = 99; // the caller's own object is not frozen nor shared
      const first = await cache.get<typeof original>(k);
      expect(first).toEqual({ list: [1, 2], nested: { n: 1 } });
      expect(() => {
        first!.nested.n = 2;
      }).toThrow(TypeError);
      expect(() => first!.list.push(3)).toThrow(TypeError);
      expect(await cache.get(k)).toEqual({ list: [1, 2], nested: { n: 1 } });

      // clone mode: callers get their own copies, free to mutate
      const c = cloneApp.cache;
      await c.set(k, { n: 1 });
      const mine = (await c.get<{ n: number }>(k))!;
      mine.n = 5;
      expect(await c.get(k)).toEqual({ n: 1 });
      const [x, y] = await Promise.all([c.getOrSet(key(), () => ({ n: 1 })), c.getOrSet(k, () => ({ n: 0 }))]);
      x.n = 3;
      y.n = 4;
      expect(await c.get(k)).toEqual({ n: 1 });

      // values freezing cannot protect (Map, Date) are decoded afresh on each hit
      await cache.set(k, { at: new Date(0), m: new Map([['a', 1]]) });
      const d = (await cache.get<{ at: Date; m: Map<string, number> }>(k))!;
      d.m.set('b', 2);
      d.at.setTime(5);
      const again = (await cache.get<{ at: Date; m: Map<string, number> }>(k))!;
      expect(again.m.size).toBe(1);
      expect(again.at.getTime()).toBe(0);
    });

    it('getOrSet calls the loader once for concurrent misses in one process', async () => {
      const k = key();
      let calls = 0;
      const loader = async () => {
        calls++;
        await sleep(50);
        return { v: 'loaded' };
      };
      const results = await Promise.all(Array.from({ length: 100 }, () => cache.getOrSet(k, loader)));
      expect(calls).toBe(1);
      expect(results.every((r) => r.v === 'loaded')).toBe(true);
      expect(await b.cache.get(k)).toEqual({ v: 'loaded' });
      expect(await cache.getOrSet(k, loader)).toEqual({ v: 'loaded' });
      expect(calls).toBe(1);
    });

    it('reads and writes of one tick are coalesced (MGET, one script per slot) and each caller gets its own answer', async () => {
      const ns = cache.namespace(`tick${++n}`);
      // Keys of one cluster slot, so a cluster coalesces them too.
      const slot = calculateSlot(ns.redisKey('k0'));
      const keys: string[] = [];
      for (let i = 0; keys.length < 12; i++) if (calculateSlot(ns.redisKey(`k${i}`)) === slot) keys.push(`k${i}`);
      const client = a.registry.get().client;
      const masters = client instanceof Cluster ? client.nodes('master') : [client as Redis];
      const calls = async (command: string) => {
        let sum = 0;
        for (const m of masters) sum += Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(await m.info('commandstats'))?.[1] ?? 0);
        return sum;
      };
      // Scripts, sent as EVALSHA (EVAL once when the server does not have it yet); the SETs they run count as SET calls.
      const scriptCalls = async () => (await calls('evalsha')) + (await calls('eval'));
      const [scripts, gets, mgets] = [await scriptCalls(), await calls('get'), await calls('mget')];

      const written = keys.slice(0, 9);
      await Promise.all(written.map((k, i) => ns.set(k, { k, i }, { ttl: '30s', skipL1: true })));
      // In the read batch: a key of another type, a corrupt entry and a missing key beside the entries.
      await client.rpush(ns.redisKey(keys[9]), 'x');
      await client.set(ns.redisKey(keys[10]), 'not an entry');
      const read = await Promise.all(keys.map((k) => ns.get(k, { skipL1: true })));

      expect(read).toEqual([...written.map((k, i) => ({ k, i })), undefined, undefined, undefined]);
      expect(ns.stats().corrupt).toBe(1);
      expect(await scriptCalls()).toBeGreaterThan(scripts);
      expect(await calls('mget')).toBeGreaterThan(mgets);
      expect(await calls('get')).toBeLessThan(gets + keys.length);
      const ttl = await ns.ttl(written[0]);
      expect(ttl).toBeGreaterThan(25_000);
      expect(ttl).toBeLessThanOrEqual(30_000);
      expect(await client.pttl(ns.redisKey(written[8]))).toBeGreaterThan(25_000);
    });

    it('invalidateTags drops tagged entries on this and other instances, hierarchically', async () => {
      const [k1, k2, k3, k4] = [key(), key(), key(), key()];
      await cache.set(k1, 1, { tags: ['user:1'] });
      await cache.set(k2, 2, { tags: ['user:2', 'org:7'] });
      await cache.set(k3, 3, { tags: ['user'] });
      await cache.set(k4, 4, { tags: ['post:9'] });
      for (const k of [k1, k2, k3, k4]) expect(await b.cache.get(k)).toBeDefined(); // b's memory holds them

      await cache.invalidateTags('user:1');
      expect(await cache.get(k1)).toBeUndefined();
      expect(await cache.get(k2)).toBe(2);
      expect(await cache.get(k3)).toBe(3);

      await cache.invalidateTags(['user']); // reaches user:2 and user, not post:9
      expect(await cache.get(k2)).toBeUndefined();
      expect(await cache.get(k3)).toBeUndefined();
      expect(await cache.get(k4)).toBe(4);
      // b drops its memory copies once the invalidations reach it over the bus.
      await eventually(async () => (await b.cache.getOrSet(k2, () => 'reloaded', { tags: ['user:2'] })) === 'reloaded', 5000, 'b to reload k2');
      await eventually(async () => (await b.cache.get(k1)) === undefined, 5000, 'b to drop k1');
      await eventually(async () => (await b.cache.get(k3)) === undefined, 5000, 'b to drop k3');
      expect(await b.cache.get(k4)).toBe(4);

      await cache.invalidateTags(['org:7', 'post:9']); // many in one call
      expect(await cache.get(k4)).toBeUndefined();
    });

    it('invalidateTags touches one key whatever the number of tagged entries', async () => {
      const tag = `bulk:${key()}`;
      const keys = Array.from({ length: 300 }, () => key());
      await cache.setMany(keys.map((k, i) => ({ key: k, value: i, tags: [tag] })));
      const raw = a.registry.get().client;
      const before = await Promise.all(keys.map((k) => raw.exists(cache.redisKey(k))));
      await cache.invalidateTags(tag);
      const after = await Promise.all(keys.map((k) => raw.exists(cache.redisKey(k))));
      expect(after).toEqual(before); // nothing deleted, nothing rewritten: one HINCRBY
      expect((await cache.getMany(keys)).every((v) => v === undefined)).toBe(true);
    });

    it('an entry loaded while its tag is invalidated is stale at once', async () => {
      const k = key();
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const loading = cache.getOrSet(
        k,
        async () => {
          await gate;
          return 'old data';
        },
        { tags: ['race'] },
      );
      await sleep(20);
      await cache.invalidateTags('race');
      release();
      expect(await loading).toBe('old data'); // the caller that asked gets it...
      expect(await cache.get(k)).toBeUndefined(); // ...but it is never served again
    });

    it('with the circuit open, getOrSet serves memory or calls the loader; no Redis error reaches callers', async () => {
      const k = key();
      await cache.set(k, 'cached');
      const breaker = a.registry.get().breaker;
      const before = cache.stats();
      breaker.open();
      try {
        let calls = 0;
        const load = async () => `loaded${++calls}`;
        expect(await cache.getOrSet(k, load)).toBe('cached'); // memory
        expect(await cache.getOrSet(key(), load)).toBe('loaded1'); // loader
        expect(await cache.get(key())).toBeUndefined();
        await expect(cache.set(key(), 1)).resolves.toBeUndefined();
        const after = cache.stats();
        expect(after.failedWrites).toBeGreaterThan(before.failedWrites);
        expect(after.errors).toBeGreaterThan(before.errors);
      } finally {
        breaker.close();
      }
    });

    it('rejects bad input with typed errors that name the key and the problem', async () => {
      await expect(cache.set('', 1)).rejects.toThrow(RediskitArgumentError);
      await expect(cache.get('')).rejects.toThrow(/key must be a non-empty string/);
      await expect(cache.set('k', 1, { ttl: 0 })).rejects.toThrow(/ttl must be greater than 0.*key "k"/);
      await expect(cache.set('k', 1, { ttl: NaN })).rejects.toThrow(RediskitArgumentError);
      await expect(cache.set('k', 1, { ttl: -5 })).rejects.toThrow(/ttl/);
      await expect(cache.set('k', 1, { ttl: 'soon' })).rejects.toThrow(/ttl.*"soon"/);
      await expect(cache.set('fn', { f: () => 1 })).rejects.toThrow(RediskitSerializationError);
      await expect(cache.set('fn', { f: () => 1 })).rejects.toThrow(/"fn"/);
      await expect(cache.set('undef', undefined)).rejects.toThrow(RediskitSerializationError);
      const big = await cache.set('big', 'x'.repeat(20_000)).catch((e: unknown) => e);
      expect(big).toBeInstanceOf(RediskitValueTooLargeError);
      expect((big as Error).message).toMatch(/"big".*maxValueSize/);
      await expect(cache.getOrSet('big', () => 'x'.repeat(20_000))).rejects.toThrow(RediskitValueTooLargeError);
      await expect(cache.set('t', 1, { tags: [''] })).rejects.toThrow(/tags/);
      await expect(cache.getOrSet('k', 'nope' as never)).rejects.toThrow(/loader/);
    });
  });
}
