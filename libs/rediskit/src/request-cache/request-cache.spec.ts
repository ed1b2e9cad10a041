import { describe, expect, it } from '@jest/globals';
import { endRequestContext, enterRequestContext, newRequestContext, runInRequestContext } from '../context/request-context.js';
import { RediskitArgumentError } from '../errors.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { argumentsKey, boundedKey } from './request-cache.key.js';
import { RequestCache } from './request-cache.service.js';

async function setup(requestCache = {}) {
  const metrics = await MetricsService.create();
  const cache = new RequestCache(metrics, { connection: { url: 'redis://unused' }, requestCache });
  const value = async (name: string, labels = '') => Number(new RegExp(`rediskit_${name}${labels} (\\d+)`).exec(await metrics.text())?.[1]);
  return { cache, value };
}

describe('RequestCache', () => {
  it('runs a key once per request and shares a pending promise', async () => {
    const { cache, value } = await setup();
    let runs = 0;
    const load = () => new Promise<number>((r) => setTimeout(() => r(++runs), 5));
    const [a, b, c] = await runInRequestContext(() => Promise.all([cache.getOrSet('k', load), cache.getOrSet('k', load), cache.getOrSet('k', load)]));
    expect([a, b, c, runs]).toEqual([1, 1, 1, 1]);
    expect(await value('request_cache_hits_total')).toBe(2);
    expect(await value('request_cache_misses_total')).toBe(1);
  });

  it('keeps requests apart and drops entries when a request ends', async () => {
    const { cache } = await setup();
    const first = newRequestContext('one');
    const second = newRequestContext('two');
    expect(enterRequestContext(first, () => cache.getOrSet('k', () => 'first'))).toBe('first');
    expect(enterRequestContext(second, () => cache.getOrSet('k', () => 'second'))).toBe('second');
    expect(enterRequestContext(first, () => cache.has('k'))).toBe(true);
    endRequestContext(first);
    expect(first.memo.size).toBe(0);
    // An ended request keeps nothing more.
    expect(enterRequestContext(first, () => cache.getOrSet('k', () => 'late'))).toBe('late');
    expect(enterRequestContext(first, () => cache.has('k'))).toBe(false);
  });

  it('runs uncached outside any request', async () => {
    const { cache, value } = await setup();
    let runs = 0;
    cache.getOrSet('k', () => ++runs);
    cache.getOrSet('k', () => ++runs);
    expect(runs).toBe(2);
    expect(await value('request_cache_bypassed_total', '\\{reason="outside"\\}')).toBe(2);
  });

  it('does not keep a rejection for later calls', async () => {
    const { cache } = await setup();
    await runInRequestContext(async () => {
      await expect(cache.getOrSet('k', () => Promise.reject(new Error('down')))).rejects.toThrow('down');
      expect(await cache.getOrSet('k', async () => 'ok')).toBe('ok');
    });
  });

  it('runs new keys uncached once a request holds maxEntries, and forgets a key on delete', async () => {
    const { cache, value } = await setup({ maxEntries: 2 });
    runInRequestContext(() => {
      cache.getOrSet('a', () => 1);
      cache.getOrSet('b', () => 2);
      expect(cache.getOrSet('c', () => 3)).toBe(3);
      expect(cache.has('c')).toBe(false);
      expect(cache.delete('a')).toBe(true);
      expect(cache.getOrSet('a', () => 10)).toBe(10);
    });
    expect(await value('request_cache_bypassed_total', '\\{reason="full"\\}')).toBe(1);
  });

  it('refuses an empty key or a loader that is not a function', async () => {
    const { cache } = await setup();
    expect(() => cache.getOrSet('', () => 1)).toThrow(RediskitArgumentError);
    expect(() => cache.getOrSet('k', 1 as never)).toThrow(RediskitArgumentError);
  });
});

describe('argumentsKey', () => {
  it('tells apart what JSON prints alike', () => {
    const keys = [[undefined], [null], [NaN], [Infinity], ['1'], [1], [{ a: undefined }], [{}], [new Date(0)]].map((args) => argumentsKey(args));
    expect(new Set(keys).size).toBe(keys.length);
    expect(argumentsKey([{ b: 1, a: [2] }])).toBe(argumentsKey([{ b: 1, a: [2] }]));
  });

  it('refuses what is not plain data', () => {
    class Point {
      x = 1;
    }
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    for (const arg of [new Map([[1, 2]]), new Set([1]), new Point(), () => 1, Symbol('s'), 1n, cycle]) {
      expect(argumentsKey([arg])).toBeUndefined();
    }
  });

  it('bounds long keys by hashing them', () => {
    expect(boundedKey('short', 32)).toBe('short');
    const long = boundedKey('x'.repeat(10_000), 64);
    expect(long.length).toBeLessThanOrEqual(64);
    expect(long).not.toBe(boundedKey('y'.repeat(10_000), 64));
  });
});
