import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, Param, Put, UseInterceptors, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { CacheResponse, EdgePurgeService, HttpCacheService, InvalidateTags, RedisModule, ResponseCacheInterceptor, type VarnishEdgeOptions } from 'nestjs-rediskit';
import type { AddressInfo } from 'node:net';
import { createDemoApp } from '../../apps/demo/src/app.factory.js';
import { login } from '../demo/demo-app.js';
import { freePort, RedisServer } from '../harness/index.js';
import { findVarnishd, INSTALL, VarnishFixture } from './varnish.js';

const varnishd = findVarnishd();
const required = !!process.env.REDISKIT_REQUIRE_EDGE_TOOLS;
if (!varnishd && !required) console.warn(`Skipping the Varnish test: varnishd not found (${INSTALL}).`);

/** How many times each page's handler ran: a request that reached the app. */
const served: Record<string, number> = {};
const serve = (page: string) => ({ page, n: (served[page] = (served[page] ?? 0) + 1) });

@Controller()
@UseInterceptors(ResponseCacheInterceptor)
class ShopController {
  @Get('products/:id')
  @CacheResponse({ ttl: '1m', tags: ['product:{id}', 'price($).x+y'] })
  product(@Param('id') id: string) {
    return serve(`product:${id}`);
  }

  @Get('featured')
  @CacheResponse({ ttl: '1m', tags: ['featured', 'product:1', 'aXb'] })
  featured() {
    return serve('featured');
  }

  @Put('products/:id')
  @InvalidateTags('product:{id}')
  update(@Param('id') id: string) {
    return { updated: id };
  }
}

/**
 * deploy/varnish/default.vcl in a real varnishd (Debian's, with the xkey module of
 * varnish-modules) in front of a Nest app whose pages are cached with @CacheResponse and tags:
 * Varnish serves the cached page, an update purges exactly the pages carrying its tag, and the
 * next request reaches the app. Skipped only when varnishd is missing and
 * REDISKIT_REQUIRE_EDGE_TOOLS is unset (CI sets it).
 */
(varnishd || required ? describe : describe.skip)('Varnish in front of the app, purged by tag', () => {
  let redis: RedisServer;
  let varnish: VarnishFixture;
  let app: INestApplication;
  let port: number;

  const boot = async (varnishOptions: Omit<VarnishEdgeOptions, 'servers'>, listen?: number) => {
    const moduleRef = await Test.createTestingModule({
      imports: [RedisModule.forRoot({ connection: { url: redis.url }, keyspace: { prefix: `vn${Date.now()}` }, httpCache: {}, edge: { varnish: { servers: varnish?.url ?? 'http://127.0.0.1:1', ...varnishOptions }, retry: { attempts: 2, minDelay: 10 } } })],
      controllers: [ShopController],
    }).compile();
    const nest = moduleRef.createNestApplication({ logger: false });
    await nest.listen(listen ?? 0, '127.0.0.1');
    return nest;
  };
  const get = async (path: string) => {
    const res = await fetch(`${varnish.url}${path}`);
    const body = (await res.json()) as { n: number };
    return { n: body.n, hit: res.headers.get('x-varnish-cache') === 'HIT', xVarnish: res.headers.get('x-varnish') ?? '', age: res.headers.get('age'), tagsShown: res.headers.has('surrogate-key') || res.headers.has('xkey') };
  };

  beforeAll(async () => {
    if (!varnishd) throw new Error(`REDISKIT_REQUIRE_EDGE_TOOLS is set but varnishd is missing (${INSTALL})`);
    redis = await RedisServer.start();
    app = await boot({});
    port = (app.getHttpServer().address() as AddressInfo).port;
    varnish = await VarnishFixture.start(varnishd, port);
    // The app was booted before Varnish had a port: boot it again, purging that Varnish.
    await app.close();
    app = await boot({}, port);
  });
  afterAll(async () => {
    await app?.close();
    await varnish?.stop();
    await redis?.stop();
  });

  it('serves cached pages from Varnish, and an update purges exactly the pages tagged with it (xkey)', async () => {
    for (const path of ['/products/1', '/products/2', '/featured']) expect(await get(path)).toMatchObject({ n: 1, hit: false });
    const hit = await get('/products/1');
    expect(hit).toMatchObject({ n: 1, hit: true, tagsShown: false });
    expect(hit.xVarnish.split(' ')).toHaveLength(2); // this request's id and the cached object's
    expect(hit.age).toMatch(/^\d+$/);

    const update = await fetch(`${varnish.url}/products/1`, { method: 'PUT' }); // PUT passes through Varnish to the app
    expect(update.status).toBe(200);
    await app.get(EdgePurgeService).flush();

    // product:1 is on /products/1 and /featured; /products/2 stays cached.
    expect(await get('/products/1')).toMatchObject({ n: 2, hit: false });
    expect(await get('/featured')).toMatchObject({ n: 2, hit: false });
    expect(await get('/products/2')).toMatchObject({ n: 1, hit: true });
    expect(await get('/products/1')).toMatchObject({ n: 2, hit: true });
    expect(app.get(EdgePurgeService).stats()).toMatchObject({ provider: 'varnish', purged: 1, failed: 0 });
  });

  it("ban mode purges by tag without xkey, and the HTTP cache's clear() bans everything", async () => {
    await app.close();
    app = await boot({ mode: 'ban' }, port);
    const before = { p2: (await get('/products/2')).n, featured: (await get('/featured')).n };
    expect((await get('/products/2')).hit).toBe(true);
    await app.get(HttpCacheService).invalidateTags(['product:2']);
    await app.get(EdgePurgeService).flush();
    expect(await get('/products/2')).toMatchObject({ n: before.p2 + 1, hit: false });
    expect(await get('/featured')).toMatchObject({ n: before.featured, hit: true });
    // Regex characters in tags are literal: `a.b` is not `aXb`, `price($).x+y` is itself.
    await app.get(HttpCacheService).invalidateTags(['a.b', 'price($).x+y']);
    await app.get(EdgePurgeService).flush();
    expect(await get('/featured')).toMatchObject({ n: before.featured, hit: true });
    expect(await get('/products/2')).toMatchObject({ n: before.p2 + 2, hit: false });

    await app.get(HttpCacheService).clear();
    await app.get(EdgePurgeService).flush();
    expect(await get('/featured')).toMatchObject({ n: before.featured + 1, hit: false });
    expect(app.get(EdgePurgeService).stats()).toMatchObject({ failed: 0, failedRequests: 0 });
  });

  it('in front of the demo: the product list is served by Varnish, and a product update purges it', async () => {
    const demoPort = await freePort();
    const edge = await VarnishFixture.start(varnishd!, demoPort);
    const demo = await createDemoApp({ NODE_ENV: 'test', REDIS_URL: redis.url, TRUST_PROXY: 'loopback', EDGE_VARNISH_SERVERS: edge.url }, { logger: false });
    try {
      await demo.listen(demoPort, '127.0.0.1');
      const list = async () => {
        const res = await fetch(`${edge.url}/products`);
        return { hit: res.headers.get('x-varnish-cache') === 'HIT', names: ((await res.json()) as { id: number; name: string }[]).map((p) => p.name) };
      };
      expect((await list()).hit).toBe(false);
      const cached = await list();
      expect(cached.hit).toBe(true);
      const cookie = await login(`http://127.0.0.1:${demoPort}`, 'barbara@example.com');
      const update = await fetch(`http://127.0.0.1:${demoPort}/products/4`, { method: 'PUT', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Edge-purged monitor' }) });
      expect(update.status).toBe(200);
      await demo.get(EdgePurgeService).flush();
      const fresh = await list();
      expect(fresh.hit).toBe(false);
      expect(fresh.names).toContain('Edge-purged monitor');
      expect(demo.get(EdgePurgeService).stats()).toMatchObject({ provider: 'varnish', failed: 0, dropped: 0 });
    } finally {
      await demo.close();
      await edge.stop();
    }
  }, 180_000); // the demo boots PGlite and its catalog: tens of seconds on a loaded machine
});
