import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { RediskitArgumentError, RediskitInvalidationError, type RedisConnectionOptions } from 'nestjs-rediskit';
import { eventually, startCacheApp, type CacheApp } from './cache-app.js';

/**
 * Auto-recovery of invalidations on one topology: instance `a` cannot reach Redis (its circuit
 * is held open, as an operator would), `b` can; what `a` invalidates meanwhile reaches Redis
 * and `b` once `a`'s circuit closes, without another call on `a`.
 */
export function cacheRecovery(topology: string, connection: () => RedisConnectionOptions): void {
  describe(`CacheService invalidations made while Redis is unreachable (${topology})`, () => {
    let a: CacheApp;
    let b: CacheApp;
    let n = 0;
    const key = () => `rc${++n}:${Math.random().toString(36).slice(2, 8)}`;

    beforeAll(async () => {
      [a, b] = await Promise.all([startCacheApp(connection()), startCacheApp(connection())]);
    });
    afterAll(async () => {
      a?.registry.get().breaker.close();
      await Promise.all([a?.close(), b?.close()]);
    });

    it('are applied here at once, kept, and replayed to Redis and the other instances when Redis answers', async () => {
      const ns = `rec${key()}`;
      const [tagged, deleted] = [key(), key()];
      const tag = `rec-tag:${key()}`;
      const A = a.cache.namespace(ns);
      const B = b.cache.namespace(ns);
      await A.set(tagged, 'old', { tags: [tag] });
      await A.set(deleted, 'old');
      await A.setMany([1, 2, 3].map((i) => ({ key: `pat:${i}`, value: 'old' })));
      for (const k of [tagged, deleted, 'pat:1']) expect(await B.get(k)).toBe('old'); // now in b's memory

      const breaker = a.registry.get().breaker;
      breaker.open();
      expect(await A.invalidateTags(tag)).toEqual({ pending: true });
      expect(await A.del(deleted)).toBe(0);
      expect(await A.invalidatePattern('pat:*')).toBe(0);
      await expect(A.invalidateTags(tag, { onUnreachable: 'throw' })).rejects.toThrow(RediskitInvalidationError);
      await expect(A.del(deleted, { onUnreachable: 'sometimes' as never })).rejects.toThrow(RediskitArgumentError);
      expect(a.cache.stats().pendingInvalidations).toBe(3); // deduplicated: the tag once
      // a never serves what it invalidated; b, not told yet, still serves its copies
      for (const k of [tagged, deleted, 'pat:2']) expect(await A.get(k)).toBeUndefined();
      expect(await B.get(tagged)).toBe('old');

      breaker.close(); // Redis answers again: nobody calls a, the replay goes out by itself
      await eventually(async () => (await B.get(tagged)) === undefined && (await B.get(deleted)) === undefined && (await B.get('pat:3')) === undefined, 10_000, 'b to drop what a invalidated');
      await eventually(() => a.cache.stats().pendingInvalidations === 0, 10_000, 'nothing pending on a');
      const redis = b.registry.get().client;
      expect(await redis.exists(B.redisKey(deleted))).toBe(0);
      expect(await redis.exists(B.redisKey('pat:1'))).toBe(0);
      expect(await B.getOrSet(tagged, () => 'new')).toBe('new');
    });
  });
}
