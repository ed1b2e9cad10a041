import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { RediskitArgumentError, type CacheNamespace, type RedisConnectionOptions } from 'nestjs-rediskit';
import { eventually, startCacheApp, type CacheApp } from './cache-app.js';

/** Reference meaning of a user glob: `*` any characters, `?` exactly one (code point). */
function globMatches(glob: string, key: string): boolean {
  const k = [...key];
  let match = [true, ...k.map(() => false)];
  for (const c of glob) {
    const next = match.map(() => false);
    for (let j = 0; j <= k.length; j++) {
      if (c === '*') next[j] = match[j] || (j > 0 && next[j - 1]);
      else if (j > 0) next[j] = match[j - 1] && (c === '?' || c === k[j - 1]);
    }
    match = next;
  }
  return match[k.length];
}

/**
 * Redis content and patterns are untrusted: hostile patterns, matched in memory and in Redis.
 * Two app instances (a, b) share the Redis of `connection`.
 */
export function cacheHostileInput(topology: string, connection: () => RedisConnectionOptions): void {
  describe(`CacheService with hostile Redis content (${topology})`, () => {
    let a: CacheApp;
    let b: CacheApp;
    let n = 0;
    const unique = (name: string) => `${name}-${++n}-${Math.random().toString(36).slice(2, 8)}`;

    beforeAll(async () => {
      [a, b] = await Promise.all([startCacheApp(connection()), startCacheApp(connection())]);
    });
    afterAll(async () => {
      await Promise.all([a?.close(), b?.close()]);
    });
    /**
     * Resolves once b's memory no longer serves `gone` (it may fall back to Redis, where they are
     * gone too). On a cluster, messages published on different nodes may arrive in any order, so
     * tests wait for the effect of a message rather than for a later one.
     */
    const droppedOnB = (view: CacheNamespace, gone: string[]) =>
      eventually(async () => {
        for (const key of gone) if ((await view.get(key)) !== undefined) return false;
        return true;
      }, 5000, 'b to drop the matching keys');

    it('a hostile but valid pattern on the bus is matched in linear time and removes only what it matches', async () => {
      const ns = a.cache.namespace(unique('redos'));
      const view = b.cache.namespace(ns.name);
      const keys = Array.from({ length: 20 }, (_, i) => 'a'.repeat(40) + i);
      await view.setMany([...keys, 'aaaaaa!'].map((key) => ({ key, value: key }))); // in b's memory
      // Issue 14: this pattern blocked the event loop for seconds with a backtracking RegExp.
      expect(await ns.invalidatePattern('*a*a*a*a*a*a*!')).toBe(1);
      await droppedOnB(view, ['aaaaaa!']);
      const hits = view.stats().l1Hits;
      for (const key of keys) expect(await view.get(key)).toBe(key);
      expect(view.stats().l1Hits).toBe(hits + keys.length);
    });

    it('rejects globs longer than 512 characters', async () => {
      await expect(a.cache.invalidatePattern('a'.repeat(513))).rejects.toThrow(RediskitArgumentError);
      await expect(a.cache.invalidatePattern('*'.repeat(512))).resolves.toBeGreaterThanOrEqual(0);
    });

    it('`?` is one user character, in Redis and in memory, here and on other instances', async () => {
      const ns = a.cache.namespace(unique('one-char'));
      const view = b.cache.namespace(ns.name);
      const removed = ['v:1', 'v:é', 'v::', 'v:{', 'v:😀', 'v:%', 'v: '];
      const kept = ['v:', 'v:12', 'v::a', 'w:1'];
      await view.setMany([...removed, ...kept].map((key) => ({ key, value: key }))); // in b's memory
      for (const key of [...removed, ...kept]) expect(await ns.get(key)).toBe(key);
      expect(await ns.invalidatePattern('v:?')).toBe(removed.length);
      const redis = a.registry.get().client;
      for (const key of removed) {
        expect(await redis.exists(ns.redisKey(key))).toBe(0);
        expect(await ns.get(key)).toBeUndefined();
      }
      for (const key of kept) expect(await redis.exists(ns.redisKey(key))).toBe(1);
      await droppedOnB(view, removed);
      const hits = view.stats().l1Hits;
      for (const key of kept) expect(await view.get(key)).toBe(key);
      expect(view.stats().l1Hits - hits).toBe(kept.length);
    });

    it('property: for random keys and globs, Redis and every memory layer remove exactly what the reference matches', async () => {
      const chars = [':', '{', '}', '%', ' ', 'é', '😀', 'a', 'b', '*', '?', '['];
      const text = (max: number, extra: string[]) => fc.array(fc.constantFrom(...chars, ...extra), { minLength: 1, maxLength: max }).map((c) => c.join(''));
      const redis = a.registry.get().client;
      await fc.assert(
        fc.asyncProperty(fc.uniqueArray(text(5, []), { minLength: 1, maxLength: 12 }), text(5, ['*', '?', '?']), async (others, glob) => {
          // One key surely matches, so waiting for b to drop it shows the bus message arrived.
          const witness = glob.replace(/\*/g, '').replace(/\?/g, 'é') || 'w';
          const keys = [...new Set([...others, witness])];
          const ns = a.cache.namespace(unique('prop'));
          const view = b.cache.namespace(ns.name);
          await view.setMany(keys.map((key) => ({ key, value: key }))); // in b's memory
          for (const key of keys) expect(await ns.get(key)).toBe(key); // in a's memory (unless b's write message drops it)
          const expected = keys.filter((k) => globMatches(glob, k));
          expect(await ns.invalidatePattern(glob)).toBe(expected.length);
          for (const key of keys) expect(await redis.exists(ns.redisKey(key))).toBe(expected.includes(key) ? 0 : 1);
          for (const key of keys) expect(await ns.get(key)).toBe(expected.includes(key) ? undefined : key);
          // b's memory, through the bus: matching keys are gone, the others are still memory hits.
          await droppedOnB(view, expected);
          const bHits = view.stats().l1Hits;
          for (const key of keys) if (!expected.includes(key)) expect(await view.get(key)).toBe(key);
          expect(view.stats().l1Hits - bHits).toBe(keys.length - expected.length);
        }),
        { numRuns: 40 },
      );
    });
  });
}
