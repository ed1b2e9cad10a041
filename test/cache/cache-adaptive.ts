import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import { Cacheable, CachePut, RediskitArgumentError, type RedisConnectionOptions } from 'nestjs-rediskit';
import { sleep } from '../harness/index.js';
import { eventually, startCacheApp, type CacheApp } from './cache-app.js';

interface Quote {
  pair: string;
  market: 'open' | 'closed' | 'halted';
  owner?: string;
}

@Injectable()
class QuoteRepo {
  calls = 0;
  market: Quote['market'] = 'open';

  // Halted quotes are returned but not kept; open markets change fast; the owner is only known from the result.
  @Cacheable({
    key: 'quote:{0}',
    ttl: '1m',
    tags: ['quotes'],
    adapt: (q: Quote) => (q.market === 'halted' ? { skip: true } : { ttl: q.market === 'open' ? 150 : '1h', tags: [`owner:${q.owner}`] }),
  })
  async quote(pair: string): Promise<Quote> {
    this.calls++;
    return { pair, market: this.market, owner: `o-${pair}` };
  }

  @Cacheable({ key: 'bad:{0}', adapt: () => ({ ttl: 'soon' }) })
  async bad(id: string) {
    this.calls++;
    return { id };
  }

  // A lookup by e-mail: the user's id, which invalidations use, is only known from the result.
  @Cacheable({ key: 'user-by-email:{0}', tags: ['users', 'user:{result.id}'] })
  async byEmail(email: string): Promise<{ id: string; email: string } | null> {
    this.calls++;
    return email.startsWith('nobody') ? null : { id: `id-${email}`, email };
  }

  @CachePut({ key: 'quote:{0}', adapt: (q: Quote) => ({ ttl: '1h', tags: [`owner:${q.owner}`], skip: q.market === 'halted' }) })
  async put(pair: string, market: Quote['market']): Promise<Quote> {
    return { pair, market, owner: `put-${pair}` };
  }
}

/** Adaptive caching: a loader decides from its value how it is cached; other instances honour it. */
export function cacheAdaptive(topology: string, connection: () => RedisConnectionOptions): void {
  describe(`CacheService adaptive caching (${topology})`, () => {
    let a: CacheApp;
    let b: CacheApp;
    let n = 0;
    const key = () => `ad${++n}:${Math.random().toString(36).slice(2, 8)}`;

    beforeAll(async () => {
      [a, b] = await Promise.all([startCacheApp(connection(), {}, { providers: [QuoteRepo] }), startCacheApp(connection())]);
    });
    afterAll(async () => {
      await Promise.all([a?.close(), b?.close()]);
    });

    it('the loader starts from the call options and may change ttl, grace and tags; another instance honours them', async () => {
      const [short, tagged, graced] = [key(), key(), key()];
      const seen: unknown[] = [];
      const value = await a.cache.getOrSet(
        short,
        (ctx) => {
          seen.push(ctx.ttl, ctx.grace, [...ctx.tags]);
          ctx.ttl = 200;
          return 'short-lived';
        },
        { ttl: '1m', grace: '2s', tags: ['given'] },
      );
      expect(value).toBe('short-lived');
      expect(seen).toEqual([60_000, 2000, ['given']]);
      expect(await b.cache.get(short)).toBe('short-lived');
      expect(await b.cache.ttl(short)).toBeLessThanOrEqual(200);
      await sleep(250);
      expect(await b.cache.get(short)).toBeUndefined();
      expect(await a.cache.get(short)).toBeUndefined();

      const tag = `adaptive:${key()}`;
      await a.cache.getOrSet(
        tagged,
        (ctx) => {
          ctx.tags = [tag]; // replaces the call's tags
          return 'tagged';
        },
        { tags: ['call-tag'] },
      );
      expect(await b.cache.get(tagged)).toBe('tagged');
      await a.cache.invalidateTags('call-tag');
      expect(await a.cache.get(tagged)).toBe('tagged');
      await b.cache.invalidateTags(tag);
      expect(await b.cache.get(tagged)).toBeUndefined();
      await eventually(async () => (await a.cache.get(tagged)) === undefined, 5000, 'a to drop the entry the loader tagged');

      let calls = 0;
      const load = async (ctx: { ttl: number | string; grace: number | string }) => {
        ctx.ttl = 100;
        ctx.grace = '10s';
        return `g${++calls}`;
      };
      expect(await a.cache.getOrSet(graced, load)).toBe('g1');
      await sleep(150);
      expect(await b.cache.get(graced)).toBeUndefined(); // stale: get never serves it
      expect(await b.cache.getOrSet(graced, load)).toBe('g1'); // within the grace the loader set
      await eventually(async () => (await b.cache.get(graced)) === 'g2', 5000, 'the refresh behind the stale answer');
    });

    it('skip() returns the value without storing it, on any instance', async () => {
      const k = key();
      let calls = 0;
      const load = (ctx: { skip(): void }) => {
        calls++;
        ctx.skip();
        return { uncached: calls };
      };
      expect(await a.cache.getOrSet(k, load)).toEqual({ uncached: 1 });
      expect(await a.cache.get(k)).toBeUndefined();
      expect(await b.cache.get(k)).toBeUndefined();
      expect(await b.cache.getOrSet(k, load)).toEqual({ uncached: 2 });
      // Concurrent callers of one flight share the skipped value: one loader call.
      const all = await Promise.all(Array.from({ length: 10 }, () => a.cache.getOrSet(k, load)));
      expect(calls).toBe(3);
      expect(all.every((v) => v.uncached === 3)).toBe(true);
    });

    it('what the loader sets is validated: a bad value fails the call naming the option, the key and the loader', async () => {
      const k = key();
      const error = await a.cache
        .getOrSet(k, (ctx) => {
          ctx.ttl = -5;
          return 1;
        })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RediskitArgumentError);
      expect((error as RediskitArgumentError).argument).toBe('ttl');
      // The key as the cache stores it (encoded, as in the cache's other errors).
      expect((error as Error).message).toMatch(new RegExp(`^ttl .*for key "${k.replace(':', '%3A')}", set by the loader$`));
      await expect(
        a.cache.getOrSet(k, (ctx) => {
          ctx.grace = 'later';
          return 1;
        }),
      ).rejects.toThrow(/^grace .*set by the loader/);
      await expect(
        a.cache.getOrSet(k, (ctx) => {
          ctx.tags.push('');
          return 1;
        }),
      ).rejects.toThrow(/^tags .*set by the loader/);
      expect(await b.cache.get(k)).toBeUndefined();
      // A stale value within staleIfError does not hide the mistake.
      await a.cache.set(k, 'old', { ttl: 50, staleIfError: '1m' });
      await sleep(80);
      await expect(
        a.cache.getOrSet(
          k,
          (ctx) => {
            ctx.ttl = 0;
            return 'new';
          },
          { staleIfError: '1m' },
        ),
      ).rejects.toThrow(RediskitArgumentError);
    });

    it('tags set after the load: an invalidation while the loader ran is never lost', async () => {
      const [raced, calm, before] = [key(), key(), key()];
      const tag = `race:${key()}`;
      // The loader reads its data, then another instance invalidates the tag, then the loader names it.
      let release!: () => void;
      const invalidated = new Promise<void>((r) => (release = r));
      let started!: () => void;
      const loading = new Promise<void>((r) => (started = r));
      const value = a.cache.getOrSet(raced, async (ctx) => {
        started();
        const data = 'read before the invalidation';
        await invalidated;
        ctx.tags.push(tag);
        return data;
      });
      // Only once the loader runs (on a loaded machine A's read may come back after B's invalidation).
      await loading;
      await b.cache.invalidateTags(tag);
      release();
      expect(await value).toBe('read before the invalidation'); // returned, but not stored
      expect(await a.cache.get(raced)).toBeUndefined();
      expect(await b.cache.get(raced)).toBeUndefined();

      // Without an invalidation during the load, the same load is stored and the tag reaches it.
      const calmTag = `calm:${key()}`;
      await a.cache.getOrSet(calm, (ctx) => {
        ctx.tags.push(calmTag);
        return 'kept';
      });
      expect(await b.cache.get(calm)).toBe('kept');
      await a.cache.invalidateTags(calmTag);
      expect(await a.cache.get(calm)).toBeUndefined();
      await eventually(async () => (await b.cache.get(calm)) === undefined, 5000, 'b to drop the entry');

      // A tag invalidated before the load started does not keep the new value out.
      await a.cache.getOrSet(before, (ctx) => {
        ctx.tags.push(calmTag);
        return 'after the invalidation';
      });
      expect(await b.cache.get(before)).toBe('after the invalidation');
    });

    it('tags from the value: getOrSet and set take tags: (value) => [...], invalidated on every instance', async () => {
      const [k, s] = [key(), key()];
      const users = new Map([['ada@example.com', { id: key(), name: 'Ada' }]]);
      let calls = 0;
      const byEmail = (email: string) =>
        a.cache.getOrSet(
          `user-by-email:${k}:${email}`,
          async () => {
            calls++;
            return users.get(email) ?? null;
          },
          { tags: (user: { id: string } | null) => (user ? [`user:${user.id}`] : []) },
        );
      const ada = (await byEmail('ada@example.com'))!;
      await byEmail('ada@example.com');
      expect(calls).toBe(1);
      expect(await b.cache.get(`user-by-email:${k}:ada@example.com`)).toEqual(ada);
      await b.cache.invalidateTags(`user:${ada.id}`);
      expect(await b.cache.get(`user-by-email:${k}:ada@example.com`)).toBeUndefined();
      await eventually(async () => (await a.cache.get(`user-by-email:${k}:ada@example.com`)) === undefined, 5000, 'a to drop the entry');
      await byEmail('nobody@example.com'); // no tag: cached all the same
      await byEmail('nobody@example.com');
      expect(calls).toBe(2);

      await a.cache.set(s, { id: 'x1' }, { tags: (v: { id: string }) => [`thing:${v.id}:${s}`] });
      expect(await b.cache.get(s)).toEqual({ id: 'x1' });
      await b.cache.invalidateTags(`thing:x1:${s}`);
      expect(await b.cache.get(s)).toBeUndefined();

      await expect(a.cache.getOrSet(key(), () => 1, { tags: () => 'not-a-list' as never })).rejects.toThrow(/^tags must be an array.*returned by the tags function$/);
      await expect(a.cache.set(key(), 1, { tags: () => [''] })).rejects.toThrow(RediskitArgumentError);
    });

    it('@Cacheable tags naming the result: rendered after the call, left out for null', async () => {
      const repo = a.app.get(QuoteRepo);
      const email = `${key()}@example.com`;
      repo.calls = 0;
      const user = (await repo.byEmail(email))!;
      await repo.byEmail(email);
      expect(repo.calls).toBe(1);
      await b.cache.invalidateTags(`user:${user.id}`);
      await eventually(async () => (await a.cache.get(`user-by-email:${email}`)) === undefined, 5000, 'the entry to go with the user tag');
      await repo.byEmail(email);
      expect(repo.calls).toBe(2);
      const nobody = `nobody-${key()}@example.com`;
      expect(await repo.byEmail(nobody)).toBeNull();
      expect(await repo.byEmail(nobody)).toBeNull();
      expect(repo.calls).toBe(3);
      await a.cache.invalidateTags('users'); // the tags of the arguments still apply
      await repo.byEmail(nobody);
      expect(repo.calls).toBe(4);
    });

    it('@Cacheable({ adapt }) and @CachePut({ adapt }) decide from the result', async () => {
      const repo = a.app.get(QuoteRepo);
      const [p1, p2, p3] = [key(), key(), key()];
      repo.calls = 0;
      repo.market = 'open';
      await repo.quote(p1);
      await repo.quote(p1);
      expect(repo.calls).toBe(1);
      expect(await b.cache.ttl(`quote:${p1}`)).toBeLessThanOrEqual(150); // the open-market ttl
      await sleep(200);
      await repo.quote(p1);
      expect(repo.calls).toBe(2);

      repo.market = 'closed';
      await repo.quote(p2);
      expect(await b.cache.ttl(`quote:${p2}`)).toBeGreaterThan(60_000); // '1h', above the decorator's '1m'
      await a.cache.invalidateTags(`owner:o-${p2}`); // a tag only the result names, added to 'quotes'
      await repo.quote(p2);
      expect(repo.calls).toBe(4);
      await a.cache.invalidateTags('quotes');
      await repo.quote(p2);
      expect(repo.calls).toBe(5);

      repo.market = 'halted';
      await repo.quote(p3);
      await repo.quote(p3);
      expect(repo.calls).toBe(7);
      expect(await b.cache.get(`quote:${p3}`)).toBeUndefined();

      await expect(repo.bad('x')).rejects.toThrow(/^ttl .*set by the loader/);

      await repo.put(p3, 'closed');
      expect(await b.cache.get(`quote:${p3}`)).toEqual({ pair: p3, market: 'closed', owner: `put-${p3}` });
      expect(await b.cache.ttl(`quote:${p3}`)).toBeGreaterThan(60_000);
      await b.cache.invalidateTags(`owner:put-${p3}`);
      await eventually(async () => (await a.cache.get(`quote:${p3}`)) === undefined, 5000, 'the @CachePut entry to go with its result tag');
      await repo.put(p3, 'halted');
      expect(await a.cache.get(`quote:${p3}`)).toBeUndefined();
    });
  });
}
