import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import type { HttpCacheOptions, RedisConnectionOptions } from 'nestjs-rediskit';
import { calls, startHttpApp, type AdapterName, type HttpApp } from './http-cache-app.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The response cache's behaviour, on each adapter, against the Redis `connection()` gives. */
export function httpCacheFeatures(topology: string, connection: () => RedisConnectionOptions, adapters: AdapterName[] = ['express', 'fastify'], options: HttpCacheOptions = {}): void {
  describe.each(adapters)(`response cache on %s (${topology})`, (adapter) => {
    let h: HttpApp;
    const purged: string[][] = [];
    beforeAll(async () => {
      h = await startHttpApp(adapter, connection(), { ...options, onInvalidate: (tags) => void purged.push(tags) }, `hc${topology}`);
      await h.http.clear();
    });
    afterAll(async () => {
      await h?.close();
    });
    const get = (path: string) => request(h.server).get(path);

    it('misses, then hits with the same bytes and headers, without running the handler', async () => {
      const before = calls['one:1'] ?? 0;
      const miss = await get('/products/1').expect(200);
      expect(miss.headers['x-cache']).toBe('MISS');
      expect(miss.headers['age']).toBe('0');
      expect(miss.headers['content-type']).toMatch(/^application\/json/);
      expect(miss.headers['cache-control']).toBe('public, max-age=0, s-maxage=60');
      expect(miss.headers['surrogate-key']).toBe('product product:1');
      expect(miss.headers['cache-tag']).toBe('product,product:1');
      expect(miss.headers['etag']).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
      const hit = await get('/products/1').expect(200);
      expect(hit.headers['x-cache']).toBe('HIT');
      expect(hit.text).toBe(miss.text);
      expect(hit.headers['etag']).toBe(miss.headers['etag']);
      expect(hit.headers['content-type']).toBe(miss.headers['content-type']);
      expect(hit.headers['content-length']).toBe(miss.headers['content-length']);
      expect(Number(hit.headers['age'])).toBeGreaterThanOrEqual(0);
      expect(calls['one:1']).toBe(before + 1);
    });

    it('keys by path and sorted query parameters', async () => {
      const a = await get('/products?page=2&x=1').expect(200);
      const b = await get('/products?x=1&page=2').expect(200);
      const c = await get('/products?page=3').expect(200);
      expect(a.headers['x-cache']).toBe('MISS');
      expect(b.headers['x-cache']).toBe('HIT');
      expect(b.body).toEqual(a.body);
      expect(c.headers['x-cache']).toBe('MISS');
      expect(c.body.page).toBe('3');
    });

    it('answers HEAD from the GET entry', async () => {
      await get('/products/2').expect(200);
      const head = await request(h.server).head('/products/2').expect(200);
      expect(head.headers['x-cache']).toBe('HIT');
      expect(head.text ?? '').toBe('');
    });

    it('varies by the varyBy headers and says so in Vary', async () => {
      const en = await get('/greeting').set('Accept-Language', 'en').expect(200);
      const fr = await get('/greeting').set('Accept-Language', 'fr').expect(200);
      const en2 = await get('/greeting').set('Accept-Language', 'en').expect(200);
      expect(en.body.text).toBe('hello');
      expect(fr.body.text).toBe('bonjour');
      expect(fr.headers['x-cache']).toBe('MISS');
      expect(en2.headers['x-cache']).toBe('HIT');
      expect(en2.body).toEqual(en.body);
      expect(en.headers['vary']).toMatch(/Accept-Language/);
    });

    it('keeps private responses per user, with Cache-Control: private, and never caches anonymous ones', async () => {
      const ann = await get('/me').set('x-user', 'ann').expect(200);
      const bob = await get('/me').set('x-user', 'bob').expect(200);
      const ann2 = await get('/me').set('x-user', 'ann').expect(200);
      expect(ann.body.user).toBe('ann');
      expect(bob.body.user).toBe('bob');
      expect(bob.headers['x-cache']).toBe('MISS');
      expect(ann2.headers['x-cache']).toBe('HIT');
      expect(ann2.body).toEqual(ann.body);
      expect(ann.headers['cache-control']).toBe('private, max-age=30');
      const before = calls['me'];
      const anon1 = await get('/me').expect(200);
      await get('/me').expect(200);
      expect(anon1.headers['x-cache']).toBeUndefined();
      expect(calls['me']).toBe(before + 2);
    });

    it('answers 304 to a matching If-None-Match on a hit and on a miss', async () => {
      const first = await get('/static').expect(200);
      const etag = first.headers['etag'];
      const hit = await get('/static').set('If-None-Match', etag).expect(304);
      expect(hit.headers['x-cache']).toBe('HIT');
      expect(hit.headers['etag']).toBe(etag);
      expect(hit.text ?? '').toBe('');
      await get('/static').set('If-None-Match', `"other", W/${etag}`).expect(304);
      await get('/static').set('If-None-Match', '"other"').expect(200);
      // Same content, entry gone: the handler runs and the client still gets its 304.
      await h.http.clear();
      const before = calls['static'];
      const miss = await get('/static').set('If-None-Match', etag).expect(304);
      expect(miss.headers['x-cache']).toBe('MISS');
      expect(calls['static']).toBe(before + 1);
    });

    it('purges by tag after a 2xx POST, and calls onInvalidate with the tags', async () => {
      const a1 = await get('/products/7').expect(200);
      const b1 = await get('/products/8').expect(200);
      expect((await get('/products/7').expect(200)).headers['x-cache']).toBe('HIT');
      await request(h.server).post('/products/7').expect(201);
      const a2 = await get('/products/7').expect(200);
      expect(a2.headers['x-cache']).toBe('MISS');
      expect(a2.body.n).toBe(a1.body.n + 1);
      const b2 = await get('/products/8').expect(200);
      expect(b2.headers['x-cache']).toBe('HIT');
      expect(b2.body).toEqual(b1.body);
      expect(purged).toContainEqual(['product:7']);
    });

    it('does not purge after a failed mutation', async () => {
      await get('/products?page=9').expect(200);
      await request(h.server).post('/products/1/fail').expect(500);
      expect((await get('/products?page=9').expect(200)).headers['x-cache']).toBe('HIT');
      await h.http.invalidateTags('products');
      expect((await get('/products?page=9').expect(200)).headers['x-cache']).toBe('MISS');
    });

    it('never stores a response that sets a cookie', async () => {
      const a = await get('/cookie').expect(200);
      const b = await get('/cookie').expect(200);
      expect(a.headers['set-cookie']).toEqual(['seen=' + a.body.n]);
      expect(b.body.n).toBe(a.body.n + 1);
      expect(b.headers['x-cache']).toBeUndefined();
    });

    it('never stores 5xx responses, thrown or set', async () => {
      const before = calls['boom'] ?? 0;
      await get('/boom').expect(500);
      await get('/boom').expect(500);
      expect(calls['boom']).toBe(before + 2);
      const u1 = await get('/unavailable').expect(503);
      const u2 = await get('/unavailable').expect(503);
      expect(u2.body.n).toBe(u1.body.n + 1);
    });

    it('runs the handler once for concurrent misses of one key', async () => {
      const k = `${adapter}-${Date.now()}`;
      const responses = await Promise.all(Array.from({ length: 12 }, () => get(`/slow?k=${k}`).expect(200)));
      expect(calls[`slow:${k}`]).toBe(1);
      expect(new Set(responses.map((r) => r.text)).size).toBe(1);
      expect(responses.filter((r) => r.headers['x-cache'] === 'MISS')).toHaveLength(1);
    });

    it('passes streams and @Res() handlers through untouched', async () => {
      const before = calls['stream'] ?? 0;
      const s1 = await get('/stream').expect(200);
      await get('/stream').expect(200);
      expect(Buffer.from(s1.body ?? s1.text).toString()).toBe('streamed');
      expect(calls['stream']).toBe(before + 2);
      const r1 = await get('/raw').expect(200);
      const r2 = await get('/raw').expect(200);
      expect(r2.body.n).toBe(r1.body.n + 1);
      expect(r2.headers['x-cache']).toBeUndefined();
    });

    it('caches text and binary bodies with their content type', async () => {
      const before = calls['bytes'] ?? 0;
      const t1 = await get('/text').expect(200);
      const t2 = await get('/text').expect(200);
      expect(t2.headers['x-cache']).toBe('HIT');
      expect(t2.text).toBe('plain text');
      expect(t2.headers['content-type']).toBe(t1.headers['content-type']);
      const b1 = await get('/bytes').buffer(true).parse(binary).expect(200);
      const b2 = await get('/bytes').buffer(true).parse(binary).expect(200);
      expect(b2.headers['x-cache']).toBe('HIT');
      expect([...(b2.body as Buffer)]).toEqual([0, 1, 2, 255]);
      expect([...(b1.body as Buffer)]).toEqual([0, 1, 2, 255]);
      expect(b2.headers['content-type']).toBe('application/octet-stream');
      expect(calls['bytes']).toBe(before + 1);
    });

    it('serves a stale entry within stale-while-revalidate and refreshes it behind', async () => {
      const first = await get('/swr').expect(200);
      expect(first.headers['cache-control']).toBe('public, max-age=0, s-maxage=0, stale-while-revalidate=30');
      await sleep(300);
      const stale = await get('/swr').expect(200);
      expect(stale.headers['x-cache']).toBe('STALE');
      expect(stale.body).toEqual(first.body);
      let fresh = stale;
      for (let i = 0; i < 50 && fresh.body.n === first.body.n; i++) {
        await sleep(20);
        fresh = await get('/swr').expect(200);
      }
      expect(fresh.body.n).toBe(first.body.n + 1);
    });

    it('applies condition, key and @NoCache; caches every GET route of a controller the interceptor is applied to', async () => {
      await get('/conditional').expect(200);
      expect((await get('/conditional').expect(200)).headers['x-cache']).toBe('HIT');
      expect((await get('/conditional').set('x-skip', '1').expect(200)).headers['x-cache']).toBeUndefined();
      const c1 = await get('/custom-key/1').expect(200);
      const c2 = await get('/custom-key/2').expect(200); // same URL length: same custom key
      expect(c2.headers['x-cache']).toBe('HIT');
      expect(c2.body).toEqual(c1.body);
      await get('/direct/a').expect(200);
      expect((await get('/direct/a').expect(200)).headers['x-cache']).toBe('HIT');
      await request(h.server).post('/direct/touch').expect(201);
      expect((await get('/direct/a').expect(200)).headers['x-cache']).toBe('MISS');
      expect((await get('/direct/a').expect(200)).headers['x-cache']).toBe('HIT');
      await get('/direct/off').expect(200);
      expect((await get('/direct/off').expect(200)).headers['x-cache']).toBeUndefined();
      const p = await get('/plain').expect(200);
      expect(p.headers['x-cache']).toBeUndefined();
    });

    it('ignores a client no-cache by default, and keeps selected response headers', async () => {
      const first = await get('/localized').expect(200);
      const again = await get('/localized').set('Cache-Control', 'no-cache').set('Pragma', 'no-cache').expect(200);
      expect(again.headers['x-cache']).toBe('HIT');
      expect(again.body).toEqual(first.body);
      expect(again.headers['content-language']).toBe('fr');
    });

    it('counts hits, misses, stale and skipped responses per route template', async () => {
      expect(h.http.stats()['/products/:id']).toMatchObject({ hit: expect.any(Number), miss: expect.any(Number) });
      expect(h.http.stats()['/products/:id'].hit).toBeGreaterThan(0);
      const text = await h.metrics.text();
      expect(text).toMatch(/rediskit_http_cache_requests_total\{route="\/products\/:id",result="hit"\} [1-9]/);
      expect(text).toMatch(/rediskit_http_cache_requests_total\{route="\/products\/:id",result="miss"\} [1-9]/);
      expect(text).toMatch(/rediskit_http_cache_requests_total\{route="\/swr",result="stale"\} [1-9]/);
      expect(text).toMatch(/rediskit_http_cache_requests_total\{route="\/me",result="bypass"\} [1-9]/);
      expect(text).toMatch(/rediskit_http_cache_not_stored_total\{route="\/cookie",reason="cookie"\} [1-9]/);
      expect(text).toMatch(/rediskit_http_cache_not_stored_total\{route="\/unavailable",reason="status"\} [1-9]/);
      expect(text).toMatch(/rediskit_http_cache_not_stored_total\{route="\/stream",reason="stream"\} [1-9]/);
      expect(text).toMatch(/rediskit_http_cache_invalidations_total\{outcome="ok"\} [1-9]/);
      expect(text).not.toMatch(/route="\/products\/7"/);
    });
  });
}

function binary(res: any, done: (err: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => done(null, Buffer.concat(chunks)));
}
