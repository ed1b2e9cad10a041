import { gzipSync } from 'node:zlib';
import { Logger } from '@nestjs/common';
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { Codec, RediskitArgumentError, type CacheNamespace, type RedisConnectionOptions } from 'nestjs-rediskit';
import { eventually, startCacheApp, type CacheApp } from './cache-app.js';

const SECRET = 'SECRET-VALUE-CONTENT';

/** A cache entry as stored (layout documented in cache-entry.ts): fresh for a minute, untagged. */
function entry(payload: Buffer, header: (h: Buffer) => void = () => undefined): Buffer {
  const h = Buffer.alloc(32);
  const now = Date.now();
  h[0] = 0x0e;
  h[1] = 1;
  h.writeDoubleLE(now, 2);
  h.writeDoubleLE(now + 60_000, 10);
  h.writeDoubleLE(now + 60_000, 18);
  header(h);
  return Buffer.concat([h, payload]);
}

function hostileEntries(): Record<string, Buffer> {
  const packr = new Packr({ useRecords: true, mapsAsObjects: false, structuredClone: true, useBigIntExtension: true });
  const self: Record<string, unknown> = { secret: SECRET };
  self.self = self;
  let bomb = Buffer.from(JSON.stringify(SECRET + 'a'.repeat(16 * 1024 * 1024)));
  for (let i = 0; i < 3; i++) bomb = Buffer.concat([Buffer.of(0x03), gzipSync(bomb, { level: 9 })]);
  return {
    'deep-json': entry(Buffer.from(`[${JSON.stringify(SECRET)},` + '['.repeat(50_000) + ']'.repeat(50_001))),
    'msgpack-self-reference': entry(Buffer.concat([Buffer.of(0x02), packr.pack(self)])),
    'unknown-marker': entry(Buffer.concat([Buffer.of(0x07), Buffer.from(SECRET)])),
    'gzip-bomb': entry(bomb),
    'bad-json': entry(Buffer.from(`{"secret":"${SECRET}"`)),
    'lying-header': entry(Buffer.from(SECRET), (h) => h.writeUInt16LE(65_535, 30)),
    'nan-expiry': entry(Buffer.from('1'), (h) => h.writeDoubleLE(NaN, 10)),
    'not-an-entry': Buffer.from(JSON.stringify({ secret: SECRET })),
  };
}

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
 * Redis content is untrusted: hostile cache entries, hostile bus messages, hostile patterns.
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
    afterEach(() => {
      jest.restoreAllMocks();
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

    it('a hostile or corrupt entry reads as a miss, is counted, logged once per key, and replaced by the loader', async () => {
      const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      const ns = a.cache.namespace(unique('corrupt'));
      const redis = a.registry.get().client;
      const cases = Object.entries(hostileEntries());
      for (const [name, bytes] of cases) await redis.set(ns.redisKey(name), bytes, 'PX', 60_000);
      const before = ns.stats().corrupt;

      for (const [name] of cases) {
        await expect(ns.get(name)).resolves.toBeUndefined();
        await expect(ns.get(name, { skipL1: true })).resolves.toBeUndefined();
        let calls = 0;
        const loaded = await ns.getOrSet(name, () => ({ fresh: name, call: ++calls }), { lock: name === 'gzip-bomb' });
        expect(loaded).toEqual({ fresh: name, call: 1 });
        // Redis now holds the loader's value: another instance reads it.
        expect(await b.cache.namespace(ns.name).get(name)).toEqual({ fresh: name, call: 1 });
      }

      // Three reads per key; with `lock: true` the lock holder reads once more before loading.
      expect(ns.stats().corrupt - before).toBe(3 * cases.length + 1);
      const lines = warn.mock.calls.map((c) => String(c[0])).filter((l) => l.startsWith('corrupt cache entry'));
      expect(lines).toHaveLength(cases.length);
      for (const [name] of cases) expect(lines.filter((l) => l.includes(ns.redisKey(name)))).toHaveLength(1);
      for (const line of lines) expect(line).not.toContain(SECRET);
    });

    it('an entry larger than maxValueSize is not parsed: it reads as a miss', async () => {
      const small = await startCacheApp(connection(), { maxValueSize: 1000 });
      try {
        expect(small.app.get(Codec).maxInflatedSize).toBe(1000); // the codec's bound follows maxValueSize
        const ns = small.cache.namespace(unique('large'));
        await small.registry.get().client.set(ns.redisKey('big'), entry(Buffer.from(JSON.stringify('x'.repeat(5000)))), 'PX', 60_000);
        expect(await ns.get('big')).toBeUndefined();
        expect(ns.stats().corrupt).toBe(1);
        expect(await ns.getOrSet('big', () => 'small')).toBe('small');
      } finally {
        await small.close();
      }
    });

    it('drops bus messages that do not validate, counts them, logs once per reason, and keeps working', async () => {
      const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      const ns = a.cache.namespace(unique('bus'));
      const view = b.cache.namespace(ns.name);
      await view.set('kept', 'v'); // in b's memory (b ignores its own messages)
      const channel = 'ct:cache:cache-bus';
      const sender = 'f'.repeat(36);
      const junk = [
        'x'.repeat(1024 * 1024 + 1),
        '{not json',
        '[]',
        'null',
        JSON.stringify({ k: 'not-a-list' }),
        JSON.stringify({ k: [1, 2] }),
        JSON.stringify({ k: Array.from({ length: 10_001 }, (_, i) => `k${i}`) }),
        JSON.stringify({ t: { user: -1 } }),
        JSON.stringify({ t: { user: 1.5 } }),
        JSON.stringify({ t: { ['t'.repeat(1025)]: 1 } }),
        JSON.stringify({ t: ['user'] }),
        JSON.stringify({ p: ['*'.repeat(8193)] }),
        JSON.stringify({ p: Array.from({ length: 65 }, () => 'x') }),
        JSON.stringify({ at: 'yesterday' }),
      ];
      const redis = a.registry.get().client;
      const before = b.cache.stats().busDropped;
      for (const text of junk) await redis.publish(channel, sender + text);
      await eventually(() => b.cache.stats().busDropped - before === junk.length, 5000, 'b to drop every junk message');
      // Nothing of it reached memory: b still serves `kept` from memory, and the bus still works.
      const hits = view.stats().l1Hits;
      expect(await view.get('kept')).toBe('v');
      expect(view.stats().l1Hits).toBe(hits + 1);
      expect(b.cache.stats().busHealthy).toBe(true);
      await ns.set('kept', 'v2');
      await eventually(async () => (await view.get('kept')) === 'v2', 5000, 'b to see v2');
      const lines = warn.mock.calls.map((c) => String(c[0])).filter((l) => l.includes('bus message that did not validate'));
      expect(lines.length).toBeLessThanOrEqual(6); // size, json, shape: once each per instance (a and b both receive)
      expect(lines.join('\n')).not.toContain('yesterday');
    });

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
