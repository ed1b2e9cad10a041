import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import {
  Cacheable,
  CacheEvict,
  CachePut,
  MetricsService,
  RediskitArgumentError,
  RediskitLoaderTimeoutError,
  type CacheService,
  type RedisConnectionOptions,
} from 'nestjs-rediskit';
import { sleep } from '../harness/index.js';
import { eventually, startCacheApp, type CacheApp } from './cache-app.js';

@Injectable()
class UserRepo {
  calls = 0;
  users = new Map<string, { id: string; name: string }>([['1', { id: '1', name: 'Ada' }]]);

  @Cacheable({ key: 'user:{0}', ttl: '1m', tags: ['user:{0}'] })
  async find(id: string) {
    this.calls++;
    return this.users.get(id) ?? null;
  }

  @Cacheable({ namespace: 'search', tags: (q: { role: string }) => [`role:${q.role}`], unless: (r: unknown[]) => r.length === 0 })
  async search(q: { role: string; page: number }) {
    this.calls++;
    return q.role === 'none' ? [] : [{ role: q.role, page: q.page }];
  }

  @Cacheable({ key: (id: string) => `slow:${id}`, condition: (id: string) => id !== 'nocache' })
  async slow(id: string) {
    this.calls++;
    return { id, n: this.calls };
  }

  @CachePut({ key: 'user:{result.id}', tags: ['user:{result.id}'] })
  async rename(id: string, name: string) {
    const user = { id, name };
    this.users.set(id, user);
    return user;
  }

  @CacheEvict({ keys: 'user:{0}' })
  async remove(id: string) {
    this.users.delete(id);
  }

  @CacheEvict({ tags: ['role:{0}'], beforeInvocation: true, namespace: 'search' })
  async dropRole(_role: string) {
    throw new Error('db down');
  }

  // Whose data a caller gets back: the arguments, as the method saw them.
  @Cacheable({ namespace: 'filters' })
  async byFilter(filter: unknown) {
    this.calls++;
    return { seen: String((filter as { name?: unknown })?.name ?? filter) };
  }

  @Cacheable({ key: 'order:{0}:{1}' })
  async order(tenant: string, id: string) {
    this.calls++;
    return { tenant, id };
  }
}

/** Every feature beyond the core, against one topology. */
export function cacheFeatures(topology: string, connection: () => RedisConnectionOptions): void {
  describe(`CacheService features (${topology})`, () => {
    let app: CacheApp;
    let other: CacheApp;
    let noL1: CacheApp;
    let cache: CacheService;
    const persisted: { key: string; namespace: string; value: unknown }[] = [];
    let failPersist = 0;
    let n = 0;
    const key = () => `f${++n}:${Math.random().toString(36).slice(2, 8)}`;

    beforeAll(async () => {
      [app, other, noL1] = await Promise.all([
        startCacheApp(
          connection(),
          {
            writeBehind: {
              persist: async (batch) => {
                if (failPersist > 0) {
                  failPersist--;
                  throw new Error('database unavailable');
                }
                persisted.push(...batch);
              },
              batchSize: 10,
              flushInterval: '50ms',
              retries: 3,
            },
          },
          { providers: [UserRepo] },
        ),
        startCacheApp(connection()),
        startCacheApp(connection(), { l1: false }),
      ]);
      cache = app.cache;
    });
    afterAll(async () => {
      await Promise.all([app?.close(), other?.close(), noL1?.close()]);
    });

    it('getMany / setMany / warm', async () => {
      const [a, b, c] = [key(), key(), key()];
      await cache.setMany<unknown>([
        { key: a, value: 1 },
        { key: b, value: { two: 2 }, ttl: '1m', tags: ['many'] },
      ]);
      expect(await other.cache.getMany([a, b, c])).toEqual([1, { two: 2 }, undefined]);
      const loaded = await cache.warm([
        { key: a, loader: () => 100 },
        { key: c, loader: () => 3 },
      ]);
      expect(loaded).toBe(1);
      expect(await other.cache.getMany([a, c])).toEqual([1, 3]);
    });

    it('peek reads memory only: what only Redis holds, an invalidated value and l1: false read as undefined', async () => {
      const k = key();
      await other.cache.set(k, { v: 1 }, { tags: ['peeked'] }); // in Redis (and the other instance's memory)
      expect(cache.peek(k)).toBeUndefined();
      // get() fills memory; memory serves once it is trusted (the bus listens).
      await eventually(async () => (await cache.get(k)) !== undefined && cache.peek(k) !== undefined, 5000, 'a memory hit');
      expect(cache.peek(k)).toEqual({ v: 1 });
      await cache.invalidateTags(['peeked']);
      expect(cache.peek(k)).toBeUndefined();
      await noL1.cache.set(k, 2);
      expect(await noL1.cache.get(k)).toBe(2);
      expect(noL1.cache.peek(k)).toBeUndefined();
    });

    it('namespaces scope keys, clear() and stats; tags are shared', async () => {
      const orders = cache.namespace('orders');
      const invoices = cache.namespace('invoices');
      const k = key();
      await orders.set(k, 'o', { tags: ['shared'] });
      await invoices.set(k, 'i', { tags: ['shared'] });
      await cache.set(k, 'd');
      expect(await orders.get(k)).toBe('o');
      expect(await invoices.get(k)).toBe('i');
      expect(orders.stats().namespaces).toEqual({ orders: expect.objectContaining({ l1Hits: expect.any(Number) }) });
      expect(cache.stats().namespaces.orders.l1Hits).toBeGreaterThan(0);
      expect(await orders.clear()).toBeGreaterThanOrEqual(1);
      expect(await orders.get(k)).toBeUndefined();
      expect(await other.cache.namespace('orders').get(k)).toBeUndefined();
      expect(await invoices.get(k)).toBe('i');
      expect(await cache.get(k)).toBe('d');
      await cache.invalidateTags('shared');
      expect(await invoices.get(k)).toBeUndefined();
      expect(cache.namespace('a').namespace('b').name).toBe('a:b');
    });

    it('invalidatePattern removes matching keys on every master and every instance', async () => {
      const ns = cache.namespace(`pat${key()}`);
      const keys = Array.from({ length: 200 }, (_, i) => `user:${i}`);
      await ns.setMany(keys.map((k) => ({ key: k, value: k })));
      await ns.set('account:1', 'keep');
      const view = other.cache.namespace(ns.name);
      expect(await view.get('user:5')).toBe('user:5'); // now in other's memory
      expect(await ns.invalidatePattern('user:*')).toBe(200);
      expect(await ns.get('user:5')).toBeUndefined();
      await eventually(async () => (await view.get('user:5')) === undefined);
      expect(await ns.get('account:1')).toBe('keep');
      expect(await ns.invalidatePattern('acc?unt:*')).toBe(1);
    });

    it('grace serves the stale value while exactly one refresh runs', async () => {
      const k = key();
      let calls = 0;
      const load = async () => {
        calls++;
        await sleep(80);
        return `v${calls}`;
      };
      expect(await cache.getOrSet(k, load, { ttl: 100, grace: '10s' })).toBe('v1');
      await sleep(150);
      const during = await Promise.all(Array.from({ length: 20 }, () => cache.getOrSet(k, load, { ttl: 100, grace: '10s' })));
      expect(during.every((v) => v === 'v1')).toBe(true);
      await eventually(async () => (await cache.get(k)) === 'v2');
      expect(calls).toBe(2);
      expect(cache.stats().staleServed).toBeGreaterThan(0);
      // another instance, memory empty, gets the stale value from Redis within grace too, and
      // that read refreshes it behind the caller
      await sleep(150);
      expect(await other.cache.getOrSet(k, load, { ttl: 100, grace: '10s' })).toBe('v2');
      await eventually(async () => calls === 3 && (await other.cache.get(k)) === 'v3');
    });

    it('grace refreshes a value read from Redis (memory skipped): the loader runs again behind the stale answer', async () => {
      const k = key();
      let calls = 0;
      const load = async () => `v${++calls}`;
      const options = { ttl: 100, grace: '10s', skipL1: true };
      expect(await cache.getOrSet(k, load, options)).toBe('v1');
      await sleep(150);
      expect(await cache.getOrSet(k, load, options)).toBe('v1'); // stale, within grace
      await eventually(async () => (await cache.getOrSet(k, load, options)) === 'v2');
      expect(calls).toBe(2);
    });

    it('staleIfError serves the expired value when the loader fails, and only then', async () => {
      const k = key();
      await cache.getOrSet(k, () => 'good', { ttl: 50, staleIfError: '10s' });
      await sleep(80);
      expect(await cache.get(k)).toBeUndefined();
      const failing = () => Promise.reject(new Error('db down'));
      expect(await cache.getOrSet(k, failing, { ttl: 50, staleIfError: '10s' })).toBe('good');
      expect(await other.cache.getOrSet(k, failing, { ttl: 50, staleIfError: '10s' })).toBe('good');
      expect(await cache.getOrSet(k, () => 'fresh', { ttl: 50, staleIfError: '10s' })).toBe('fresh');
      await expect(cache.getOrSet(key(), failing)).rejects.toThrow('db down');
      expect(cache.stats().loaderErrors).toBeGreaterThan(0);
    });

    it('soft timeout serves stale and keeps loading; hard timeout throws a typed error', async () => {
      const k = key();
      await cache.getOrSet(k, () => 'old', { ttl: 50, staleIfError: '10s' });
      await sleep(80);
      const slow = async () => {
        await sleep(300);
        return 'new';
      };
      const t0 = Date.now();
      expect(await cache.getOrSet(k, slow, { ttl: '1m', staleIfError: '10s', timeout: { soft: 30, hard: 5000 } })).toBe('old');
      expect(Date.now() - t0).toBeLessThan(300);
      await eventually(async () => (await cache.get(k)) === 'new'); // the load finished in the background
      const error = await cache.getOrSet(key(), slow, { timeout: { hard: 30 } }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RediskitLoaderTimeoutError);
      expect((error as Error).message).toMatch(/did not finish within 30 ms/);
    });

    it('skipL1 reads and writes Redis only; l1: false works end to end', async () => {
      const k = key();
      await cache.set(k, 'in-redis-only', { skipL1: true });
      await app.registry.get().client.del(cache.redisKey(k)); // no memory copy to fall back on
      expect(await cache.get(k)).toBeUndefined();
      await noL1.cache.set(k, { a: 1 });
      const got = (await noL1.cache.get<{ a: number }>(k))!;
      got.a = 2; // without L1, each caller gets its own copy
      expect(await noL1.cache.get(k)).toEqual({ a: 1 });
      expect(noL1.cache.stats().l1.enabled).toBe(false);
      expect(noL1.cache.stats().l2Hits).toBeGreaterThan(0);
    });

    it('early refresh (XFetch) refreshes a hot key before it expires', async () => {
      const k = key();
      let calls = 0;
      const load = async () => {
        calls++;
        await sleep(40); // a slow loader makes early refresh likely near expiry
        return calls;
      };
      await cache.getOrSet(k, load, { ttl: 300, earlyRefresh: 5 });
      const deadline = Date.now() + 280;
      let misses = 0;
      while (Date.now() < deadline) {
        if ((await cache.getOrSet(k, load, { ttl: 300, earlyRefresh: 5 })) === undefined) misses++;
        await sleep(5);
      }
      expect(calls).toBeGreaterThan(1); // refreshed while the first value was still fresh
      expect(misses).toBe(0);
    });

    it('cacheQuery keys by a stable hash of the arguments; invalidateModel drops them', async () => {
      let calls = 0;
      const run = async () => ++calls;
      const q1 = { model: 'Post', operation: 'findMany', args: { where: { authorId: 1 }, take: 10 } };
      const q2 = { model: 'Post', operation: 'findMany', args: { take: 10, where: { authorId: 1 } } };
      expect(await cache.cacheQuery(q1, run)).toBe(1);
      expect(await other.cache.cacheQuery(q2, run)).toBe(1);
      expect(await cache.cacheQuery({ ...q1, args: { where: { authorId: 2 } } }, run)).toBe(2);
      await cache.invalidateModel('Post');
      // The other instance drops its memory copy when the invalidation reaches it over the bus.
      await eventually(async () => (await other.cache.cacheQuery(q2, run)) === 3, 5000, 'the other instance to reload q2');
      expect(calls).toBe(3);
    });

    it('@Cacheable / @CachePut / @CacheEvict on a provider, with templates and functions', async () => {
      const repo = app.app.get(UserRepo);
      expect(await repo.find('1')).toEqual({ id: '1', name: 'Ada' });
      expect(await repo.find('1')).toEqual({ id: '1', name: 'Ada' });
      expect(repo.calls).toBe(1);
      expect(await other.cache.get('user:1')).toEqual({ id: '1', name: 'Ada' });

      await repo.rename('1', 'Grace'); // CachePut writes the new value
      expect(await repo.find('1')).toEqual({ id: '1', name: 'Grace' });
      expect(repo.calls).toBe(1);

      await repo.remove('1'); // CacheEvict after success
      expect(await cache.get('user:1')).toBeUndefined();
      expect(await repo.find('1')).toBeNull();
      expect(repo.calls).toBe(2);

      repo.calls = 0;
      await repo.search({ role: 'admin', page: 1 });
      await repo.search({ page: 1, role: 'admin' }); // same hash
      await repo.search({ role: 'none', page: 1 }); // unless: [] is not stored
      await repo.search({ role: 'none', page: 1 });
      expect(repo.calls).toBe(3);
      await expect(repo.dropRole('admin')).rejects.toThrow('db down'); // evicted before the call
      await repo.search({ role: 'admin', page: 1 });
      expect(repo.calls).toBe(4);

      repo.calls = 0;
      await repo.slow('a');
      await repo.slow('a');
      await repo.slow('nocache');
      await repo.slow('nocache');
      expect(repo.calls).toBe(3);

      // Default keys see every accepted difference (NaN is not null), and refuse what they
      // cannot represent rather than hand one caller another caller's entry.
      repo.calls = 0;
      expect(await repo.byFilter(NaN)).toEqual({ seen: 'NaN' });
      expect(await repo.byFilter(null)).toEqual({ seen: 'null' });
      expect(await repo.byFilter({ name: 'alice' })).toEqual({ seen: 'alice' });
      expect(await repo.byFilter({ name: 'bob' })).toEqual({ seen: 'bob' });
      expect(repo.calls).toBe(4);
      for (const unrepresentable of [{ name: /^alice$/ }, new URL('https://example.com/alice'), new (class Secret { #who = 'alice'; })()]) {
        await expect(repo.byFilter(unrepresentable)).rejects.toThrow(RediskitArgumentError);
        await expect(repo.byFilter(unrepresentable)).rejects.toThrow(/arguments of UserRepo\.byFilter\[0\].*give @Cacheable an explicit key/);
      }
      expect(repo.calls).toBe(4);
      // Template placeholders are encoded: the separator inside a value cannot collide.
      expect(await repo.order('acme:eu', '7')).toEqual({ tenant: 'acme:eu', id: '7' });
      expect(await repo.order('acme', 'eu:7')).toEqual({ tenant: 'acme', id: 'eu:7' });
      expect(await repo.order('acme', 'eu:7')).toEqual({ tenant: 'acme', id: 'eu:7' });
      expect(repo.calls).toBe(6);
      // Another instance reads the two entries apart from Redis.
      expect(await other.cache.get('order:acme%3Aeu:7')).toEqual({ tenant: 'acme:eu', id: '7' });
      expect(await other.cache.get('order:acme:eu:7')).toEqual({ tenant: 'acme', id: 'eu:7' });

      const plain = new UserRepo(); // not created by Nest: runs uncached
      await plain.find('1');
      await plain.find('1');
      expect(plain.calls).toBe(2);
    });

    it('write-behind batches writes to persist, retries failures and flushes on shutdown', async () => {
      failPersist = 2; // the first two attempts fail, the retry succeeds
      const keys = Array.from({ length: 25 }, () => key());
      for (const [i, k] of keys.entries()) await cache.setBehind(k, i);
      await cache.setBehind(keys[0], 'latest'); // coalesces with the queued write
      expect(await other.cache.get(keys[0])).toBe('latest'); // the cache itself is written at once
      await cache.flushWriteBehind();
      await eventually(() => keys.every((k) => persisted.some((p) => p.key === k)));
      expect(persisted.findLast((p) => p.key === keys[0])?.value).toBe('latest');
      const stats = cache.stats().writeBehind!;
      expect(stats.retries).toBeGreaterThanOrEqual(2);
      expect(stats.failed).toBe(0);
      await expect(other.cache.setBehind('x', 1)).rejects.toThrow(/writeBehind/);
    });

    it('write-behind: nothing queued is lost on graceful shutdown', async () => {
      const saved: unknown[] = [];
      const lazy = await startCacheApp(connection(), {
        writeBehind: { persist: async (batch) => void saved.push(...batch.map((b) => b.value)), flushInterval: '1h', batchSize: 1000 },
      });
      for (let i = 0; i < 50; i++) await lazy.cache.setBehind(`wb${i}`, i);
      expect(saved).toHaveLength(0);
      await lazy.close();
      expect(saved).toHaveLength(50);
    });

    it('records metrics per layer and namespace', async () => {
      const k = key();
      await cache.getOrSet(k, () => 1);
      await cache.get(k);
      await cache.namespace('metered').get(k);
      cache.stats(); // pushes counters to Prometheus (also done every second)
      const text = await app.app.get(MetricsService).text();
      expect(text).toMatch(/rediskit_cache_hits_total\{layer="l1",namespace="default"\} [1-9]/);
      expect(text).toMatch(/rediskit_cache_misses_total\{layer="l2",namespace="metered"\} [1-9]/);
      expect(text).toMatch(/rediskit_cache_loader_calls_total\{namespace="default"\} [1-9]/);
      expect(text).toMatch(/rediskit_cache_stale_served_total\{namespace="default"\} [1-9]/);
      expect(text).toMatch(/rediskit_cache_errors_total\{namespace="default",kind="loader"\} [1-9]/);
      expect(text).toMatch(/rediskit_cache_write_behind_total\{outcome="persisted"\} [1-9]/);
      expect(text).toMatch(/rediskit_cache_l1_entries [1-9]/);
      expect(text).toMatch(/rediskit_cache_bus_delay_seconds_count [1-9]/);
    });
  });
}
