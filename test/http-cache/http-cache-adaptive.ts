import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, Param } from '@nestjs/common';
import request from 'supertest';
import { CacheResponse, type RedisConnectionOptions } from 'nestjs-rediskit';
import { startHttpApp, type AdapterName, type HttpApp } from './http-cache-app.js';

const runs: Record<string, number> = {};
const count = (name: string) => (runs[name] = (runs[name] ?? 0) + 1);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Item {
  id: string;
  kind: 'draft' | 'hot' | 'plain' | 'broken';
  owner: string;
  n: number;
}

/** Routes whose caching depends on what the handler returned. */
@Controller('adaptive')
export class AdaptiveController {
  @CacheResponse({
    ttl: '1m',
    tags: ['items'],
    adapt: (item: Item) => {
      if (item.kind === 'draft') return { skip: true };
      if (item.kind === 'broken') return { ttl: 'whenever' };
      return { ttl: item.kind === 'hot' ? 300 : undefined, tags: [`owner:${item.owner}`] };
    },
  })
  @Get('items/:id')
  item(@Param('id') id: string): Item {
    const [kind, owner] = id.split('-') as [Item['kind'], string];
    return { id, kind, owner, n: count(`item:${id}`) };
  }

  // Found by slug: the id, which invalidations use, is only known from the result.
  @CacheResponse({ tags: ['slugs', 'slug:{slug}', 'item:{result.id}'] })
  @Get('by-slug/:slug')
  bySlug(@Param('slug') slug: string) {
    const n = count(`slug:${slug}`);
    return slug.startsWith('gone') ? { slug, n } : { id: `i${slug.length}${slug}`, slug, n };
  }
}

/** `@CacheResponse({ adapt })` on each adapter. */
export function httpCacheAdaptive(topology: string, connection: () => RedisConnectionOptions, adapters: AdapterName[] = ['express', 'fastify']): void {
  describe.each(adapters)(`response cache adapted from the handler's result on %s (${topology})`, (adapter) => {
    let h: HttpApp;
    let other: HttpApp;
    const prefix = `hca${topology}`;
    beforeAll(async () => {
      // Two instances behind one host: each listens on its own port, so the host stays out of the key.
      [h, other] = await Promise.all([
        startHttpApp(adapter, connection(), { keyByHost: false }, prefix, { controllers: [AdaptiveController] }),
        startHttpApp(adapter, connection(), { keyByHost: false }, prefix, { controllers: [AdaptiveController] }),
      ]);
      await h.http.clear();
    });
    afterAll(async () => {
      await Promise.all([h?.close(), other?.close()]);
    });
    const get = (app: HttpApp, path: string) => request(app.server).get(path);
    let n = 0;
    const id = (kind: string, owner: string) => `${kind}-${owner}${++n}${adapter}`;

    it('skip: the response is sent as the handler made it, and not stored', async () => {
      const path = `/adaptive/items/${id('draft', 'ann')}`;
      const first = await get(h, path).expect(200);
      const second = await get(h, path).expect(200);
      expect(first.headers['x-cache']).toBeUndefined();
      expect(second.body.n).toBe(first.body.n + 1);
      expect(await h.metrics.text()).toMatch(/rediskit_http_cache_not_stored_total\{route="\/adaptive\/items\/:id",reason="adapt"\} [1-9]/);
    });

    it('ttl: the server cache and Cache-Control follow the ttl chosen from the result', async () => {
      const hot = `/adaptive/items/${id('hot', 'bob')}`;
      const plain = `/adaptive/items/${id('plain', 'bob')}`;
      const h1 = await get(h, hot).expect(200);
      expect(h1.headers['cache-control']).toBe('public, max-age=0, s-maxage=0');
      expect((await get(other, hot).expect(200)).headers['x-cache']).toBe('HIT'); // another instance, from Redis
      const p1 = await get(h, plain).expect(200);
      expect(p1.headers['cache-control']).toBe('public, max-age=0, s-maxage=60');
      await sleep(400);
      const h2 = await get(other, hot).expect(200);
      expect(h2.headers['x-cache']).toBe('MISS'); // past the 300 ms the result asked for
      expect(h2.body.n).toBe(h1.body.n + 1);
      expect((await get(other, hot).expect(200)).headers['cache-control']).toBe('public, max-age=0, s-maxage=0'); // a hit says it too
      expect((await get(other, plain).expect(200)).headers['x-cache']).toBe('HIT');
    });

    it('tags: added from the result, advertised, and invalidated on every instance', async () => {
      const path = `/adaptive/items/${id('plain', 'cyd')}`;
      const owner = path.split('-')[1];
      const first = await get(h, path).expect(200);
      expect(first.headers['surrogate-key']).toBe(`items owner owner:${owner}`);
      expect((await get(other, path).expect(200)).headers['x-cache']).toBe('HIT');
      await other.http.invalidateTags(`owner:${owner}`);
      // The other instance's invalidation reaches this one over the bus.
      let again = await get(h, path).expect(200);
      for (let i = 0; i < 100 && again.headers['x-cache'] === 'HIT'; i++) {
        await sleep(20);
        again = await get(h, path).expect(200);
      }
      expect(again.headers['x-cache']).toBe('MISS');
      expect(again.body.n).toBe(first.body.n + 1);
    });

    it('tags naming the result: advertised, and invalidated on every instance', async () => {
      const slug = `s${++n}${adapter}`;
      const itemTag = `item:i${slug.length}${slug}`;
      const first = await get(h, `/adaptive/by-slug/${slug}`).expect(200);
      expect(first.headers['surrogate-key']).toBe(`slugs slug slug:${slug} item ${itemTag}`);
      expect((await get(other, `/adaptive/by-slug/${slug}`).expect(200)).headers['x-cache']).toBe('HIT');
      await other.http.invalidateTags(itemTag);
      let again = await get(h, `/adaptive/by-slug/${slug}`).expect(200);
      for (let i = 0; i < 100 && again.headers['x-cache'] === 'HIT'; i++) {
        await sleep(20);
        again = await get(h, `/adaptive/by-slug/${slug}`).expect(200);
      }
      expect(again.headers['x-cache']).toBe('MISS');
      expect(again.body.n).toBe(first.body.n + 1);
      // A result without the id: that tag is left out, the others apply.
      const gone = `gone${++n}${adapter}`;
      const g1 = await get(h, `/adaptive/by-slug/${gone}`).expect(200);
      expect(g1.headers['surrogate-key']).toBe(`slugs slug slug:${gone}`);
      expect((await get(h, `/adaptive/by-slug/${gone}`).expect(200)).headers['x-cache']).toBe('HIT');
      await h.http.invalidateTags(`slug:${gone}`);
      expect((await get(h, `/adaptive/by-slug/${gone}`).expect(200)).headers['x-cache']).toBe('MISS');
    });

    it('a bad value from adapt: the response is sent, not stored, and counted', async () => {
      const path = `/adaptive/items/${id('broken', 'dee')}`;
      const first = await get(h, path).expect(200);
      const second = await get(h, path).expect(200);
      expect(first.body.id).toBe(path.split('/').pop());
      expect(second.body.n).toBe(first.body.n + 1);
      expect(second.headers['x-cache']).toBeUndefined();
    });
  });
}
