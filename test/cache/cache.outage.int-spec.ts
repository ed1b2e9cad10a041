import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { RedisServer, sleep } from '../harness/index.js';
import { eventually, startCacheApp, type CacheApp } from './cache-app.js';

describe('CacheService when Redis goes away', () => {
  let server: RedisServer;
  let a: CacheApp;
  let b: CacheApp;

  beforeAll(async () => {
    server = await RedisServer.start();
    const connection = { url: server.url, reconnect: { baseDelay: 20, maxDelay: 100 } };
    [a, b] = await Promise.all([
      startCacheApp(connection, {}, { circuitBreaker: { failureThreshold: 3, recoveryTimeout: 200 } }),
      startCacheApp(connection, {}, { circuitBreaker: { failureThreshold: 3, recoveryTimeout: 200 } }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await server?.stop();
  });

  it('a lost bus connection: memory is not trusted until the bus is back, then reconciled', async () => {
    await b.cache.set('flush-me', 1);
    expect(await b.cache.get('flush-me')).toBe(1);
    expect(b.cache.stats().l1.entries).toBeGreaterThan(0);
    await server.cli('CLIENT', 'KILL', 'TYPE', 'pubsub');
    // a's write may be published while b's subscriber is away: b must still not serve its copy
    await a.cache.set('flush-me', 2);
    expect(await b.cache.get('flush-me')).toBe(2);
    await eventually(() => b.cache.stats().busHealthy, 5000, 'bus back');
    await a.cache.set('after', 'x');
    expect(await b.cache.get('after')).toBe('x');
    await a.cache.set('after', 'y');
    await eventually(async () => (await b.cache.get('after')) === 'y', 5000, 'bus delivers again');
  });

  it('Redis stopped during getOrSet loads: zero errors reach callers; memory keeps serving', async () => {
    let calls = 0;
    const slow = async () => {
      calls++;
      await sleep(150);
      return `loaded-${calls}`;
    };
    const errors: unknown[] = [];
    const call = (p: Promise<unknown>) => p.catch((e: unknown) => errors.push(e));
    const kept = await a.cache.getOrSet('kept', slow, { ttl: '1m' });
    const inFlight = Array.from({ length: 50 }, (_, i) => call(a.cache.getOrSet(`load:${i % 5}`, slow, { tags: ['t'] })));
    await sleep(30);
    await server.stop();
    await Promise.all(inFlight);
    // while Redis is down: memory or the loader, never an error
    const during = await Promise.all([
      call(a.cache.getOrSet('warm', slow)),
      ...Array.from({ length: 30 }, (_, i) => call(a.cache.getOrSet(`down:${i}`, slow))),
      ...Array.from({ length: 10 }, (_, i) => call(a.cache.getOrSet(`down-tagged:${i}`, slow, { tags: ['u:1'] }))),
      call(a.cache.get('anything')),
      call(a.cache.set('w', 1)),
    ]);
    expect(errors).toEqual([]);
    // memory keeps serving through the outage: what was cached before, and what was loaded during it
    expect(during[0]).toMatch(/^loaded-/);
    const before = calls;
    expect(await a.cache.getOrSet('kept', slow, { ttl: '1m' })).toBe(kept);
    expect(await a.cache.get('kept')).toBe(kept);
    expect(await a.cache.getOrSet('down:0', slow)).toBe(during[1]);
    expect(calls).toBe(before);
    expect(a.cache.stats().failedWrites).toBeGreaterThan(0);
    expect(a.registry.get().breaker.state).not.toBe('closed');
    // invalidations are never silently lost: they wait to be replayed (or throw, when asked to)
    expect(await a.cache.invalidateTags('t')).toEqual({ pending: true });
    await expect(a.cache.invalidateTags('t', { onUnreachable: 'throw' })).rejects.toThrow(/could not reach Redis/);

    await server.restart();
    await eventually(() => a.cache.stats().busHealthy && b.cache.stats().busHealthy, 10_000, 'bus reconnected');
    // reconciled before it is trusted again: memory filled while invalidations could be missed is dropped
    expect(a.cache.stats().l1.entries).toBe(0);
    await eventually(async () => {
      await a.cache.set('back', 1).catch(() => undefined);
      return (await b.cache.get('back')) === 1;
    }, 10_000, 'writes reach Redis again');
  });
});

describe('CacheService invalidations made while Redis is down', () => {
  let server: RedisServer;
  let a: CacheApp;
  let b: CacheApp;
  let small: CacheApp;

  beforeAll(async () => {
    // Redis keeps its data across the restart, as a production server with persistence does.
    server = await RedisServer.start(['appendonly yes', 'appendfsync always']);
    const connection = { url: server.url, reconnect: { baseDelay: 20, maxDelay: 100 } };
    const options = { circuitBreaker: { failureThreshold: 3, recoveryTimeout: 200 } };
    [a, b, small] = await Promise.all([
      startCacheApp(connection, {}, options),
      startCacheApp(connection, {}, options),
      startCacheApp(connection, { invalidation: { maxPending: 3 } }, options),
    ]);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close(), small?.close()]);
    await server?.stop();
  });

  const down = async () => {
    await server.stop();
    await eventually(() => !a.cache.stats().busHealthy, 5000, 'the bus to notice');
  };

  it('a tag invalidated on A while Redis is down: once Redis answers, B stops serving the old value, nobody calling A', async () => {
    await a.cache.set('profile', 'old', { tags: ['user:42'] });
    await a.cache.set('gone', 'old');
    // B holds both in memory: a read that raced the bus message of A's write does not fill it, so read until one has.
    await eventually(async () => (await b.cache.get('profile')) === 'old' && (await b.cache.get('gone')) === 'old' && b.cache.peek('profile') === 'old' && b.cache.peek('gone') === 'old', 5000, 'B to hold both values in memory');
    await down();
    expect(await a.cache.invalidateTags('user:42')).toEqual({ pending: true });
    expect(await a.cache.del('gone')).toBe(0);
    expect(await a.cache.get('profile')).toBeUndefined(); // A never serves what it invalidated
    expect(a.cache.stats().pendingInvalidations).toBe(2);
    expect(await b.cache.get('profile')).toBe('old'); // B was not told: its memory still serves it

    await server.restart(); // the old entries are still in Redis
    await eventually(async () => (await b.cache.get('profile')) === undefined && (await b.cache.get('gone')) === undefined, 10_000, 'B to stop serving the old values');
    await eventually(() => a.cache.stats().pendingInvalidations === 0, 10_000, 'A to have replayed');
    expect(await server.cli('EXISTS', a.cache.redisKey('gone'))).toBe('0');
    expect(await b.cache.getOrSet('profile', () => 'new', { tags: ['user:42'] })).toBe('new');
  });

  it('an overflowing queue clears the namespaces it touched when Redis answers (the whole cache for a tag)', async () => {
    const orders = small.cache.namespace('orders');
    const invoices = small.cache.namespace('invoices');
    await orders.setMany(['o1', 'o2', 'o3', 'o4', 'kept'].map((key) => ({ key, value: key })));
    await invoices.set('i1', 'i1');
    await down();
    for (const key of ['o1', 'o2', 'o3', 'o4']) await orders.del(key); // 4 > maxPending 3
    expect(small.cache.stats().pendingInvalidations).toBe(1); // one namespace to clear
    await server.restart();
    await eventually(() => small.cache.stats().pendingInvalidations === 0, 10_000, 'the namespace to be cleared');
    // every key of `orders` is gone, even one never invalidated; `invoices` is untouched
    expect(await server.cli('EXISTS', orders.redisKey('kept'))).toBe('0');
    expect(await server.cli('EXISTS', invoices.redisKey('i1'))).toBe('1');

    await down();
    for (const tag of ['t1', 't2', 't3', 't4']) expect(await invoices.invalidateTags(tag)).toEqual({ pending: true });
    await server.restart();
    await eventually(() => small.cache.stats().pendingInvalidations === 0, 10_000, 'the cache to be cleared');
    expect(await server.cli('EXISTS', invoices.redisKey('i1'))).toBe('0');
  });
});
