import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { Logger, type INestApplication } from '@nestjs/common';
import { CacheService, EdgePurgeService, HttpCacheService, MetricsService } from 'nestjs-rediskit';
import { RedisServer } from '../harness/index.js';
import { CdnStub, cloudflareTags, fastlyTags } from './cdn-stub.js';
import { bootEdge, nextTurn, QUICK_RETRY, TOKEN } from './edge-fixtures.js';

describe('EdgePurgeService against a stub CDN (standalone Redis)', () => {
  let server: RedisServer;
  let stub: CdnStub;
  let app: INestApplication | undefined;
  const fastly = () => ({ fastly: { serviceId: 'svc-1', apiKey: TOKEN, endpoint: stub.url }, retry: QUICK_RETRY });
  const cloudflare = () => ({ cloudflare: { zoneId: 'zone-1', apiToken: TOKEN, endpoint: stub.url }, retry: QUICK_RETRY });
  const boot = async (edge: Parameters<typeof bootEdge>[1], more = {}) => (app = await bootEdge({ url: server.url }, edge, more));

  beforeAll(async () => {
    server = await RedisServer.start();
  });
  afterAll(async () => {
    await server?.stop();
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await app?.close();
    app = undefined;
    await stub?.stop();
  });
  const freshStub = async () => (stub = await CdnStub.start());

  it('Fastly: tag invalidations of one tick leave as one request, deduplicated, with Fastly-Key', async () => {
    await freshStub();
    await boot(fastly());
    const cache = app!.get(CacheService);
    await Promise.all([cache.invalidateTags(['product:7', 'products']), cache.namespace('other').invalidateTags(['products', 'odd tag,1'])]);
    await app!.get(EdgePurgeService).flush();
    expect(stub.requests).toHaveLength(1);
    const [r] = stub.requests;
    expect([r.method, r.url, r.headers['fastly-key'], r.headers['content-type']]).toEqual(['POST', '/service/svc-1/purge', TOKEN, 'application/json']);
    // Tags travel as the Surrogate-Key header of cached responses carries them.
    expect(fastlyTags(r).sort()).toEqual(['odd%20tag%2C1', 'product:7', 'products']);
    expect(app!.get(EdgePurgeService).stats()).toMatchObject({ provider: 'fastly', purged: 3, deduplicated: 1, requests: 1 });
  });

  it('Fastly: at most 256 keys per request', async () => {
    await freshStub();
    await boot(fastly());
    const tags = Array.from({ length: 600 }, (_, i) => `item:${i}`);
    await app!.get(CacheService).invalidateTags(tags);
    await app!.get(EdgePurgeService).flush();
    expect(stub.requests.map((r) => fastlyTags(r).length)).toEqual([256, 256, 88]);
    expect(new Set(stub.tagsOf(fastlyTags).flat())).toEqual(new Set(tags));
  });

  it('retries 503 and 500 with backoff, then succeeds; a 403 is not retried', async () => {
    await freshStub();
    stub.answer = (r, i) => (fastlyTags(r)[0] === 'denied' ? { status: 403, body: 'bad token' } : i < 2 ? { status: [503, 500][i] } : { status: 200, body: '{}' });
    await boot(fastly());
    const edge = app!.get(EdgePurgeService);
    edge.purgeTags(['a']);
    await edge.flush();
    expect(stub.tagsOf(fastlyTags)).toEqual([['a'], ['a'], ['a']]);
    edge.purgeTags('denied');
    await edge.flush();
    expect(stub.requests).toHaveLength(4);
    expect(edge.stats()).toMatchObject({ purged: 1, failed: 1, retried: 2, failedRequests: 1 });
  });

  it('honours Retry-After on 429, bounded by retry.maxDelay', async () => {
    await freshStub();
    stub.answer = (_, i) => (i === 0 ? { status: 429, headers: { 'retry-after': '1' } } : i === 1 ? { status: 429, headers: { 'retry-after': '3600' } } : { status: 200 });
    await boot({ ...fastly(), retry: { attempts: 5, minDelay: 1, maxDelay: 1500 } });
    const edge = app!.get(EdgePurgeService);
    edge.purgeTags('x');
    await edge.flush();
    const [first, second, third] = stub.requests.map((r) => r.at);
    expect(stub.requests).toHaveLength(3);
    // Lower bounds only: the CDN's wish was waited for (1 s), and the hour was cut to maxDelay.
    expect(second - first).toBeGreaterThanOrEqual(950);
    expect(third - second).toBeGreaterThanOrEqual(1450);
    expect(edge.stats()).toMatchObject({ purged: 1, retried: 2 });
  });

  it('gives up after retry.attempts and never shows the token in errors, logs or metrics', async () => {
    await freshStub();
    stub.answer = () => ({ status: 502, body: `upstream said ${TOKEN}` });
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    await boot(fastly());
    const edge = app!.get(EdgePurgeService);
    edge.purgeTags(['p:1', 'p:2']);
    await edge.flush();
    expect(stub.requests).toHaveLength(QUICK_RETRY.attempts);
    expect(edge.stats()).toMatchObject({ failed: 2, purged: 0, failedRequests: 1, retried: QUICK_RETRY.attempts - 1 });
    const logged = warn.mock.calls.map((c) => String(c[0])).join('\n');
    expect(logged).toContain('502');
    expect(logged).toContain('[redacted]');
    expect(logged).not.toContain(TOKEN);
    const metrics = await app!.get(MetricsService).text();
    expect(metrics).toContain('rediskit_edge_purge_tags_total{provider="fastly",outcome="failed"} 2');
    expect(metrics).not.toContain(TOKEN);
  });

  it('is bounded: while the CDN hangs, tags beyond maxQueue are dropped and counted', async () => {
    await freshStub();
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    stub.answer = async () => {
      await released;
      return { status: 200 };
    };
    await boot({ ...fastly(), maxQueue: 20 });
    const edge = app!.get(EdgePurgeService);
    edge.purgeTags('first');
    await nextTurn();
    for (let i = 0; i < 100; i++) {
      edge.purgeTags(`t:${i}`);
      if (i % 10 === 0) await nextTurn();
    }
    expect(edge.stats()).toMatchObject({ queued: 20, dropped: 80 });
    release();
    await edge.flush();
    expect(edge.stats()).toMatchObject({ queued: 0, purged: 21, dropped: 80 });
    expect(stub.tagsOf(fastlyTags)).toEqual([['first'], Array.from({ length: 20 }, (_, i) => `t:${i}`)]);
  });

  it("clear() of the HTTP cache's namespace purges everything, and covers the tags waiting", async () => {
    await freshStub();
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    stub.answer = async (_, i) => {
      if (i === 0) await released;
      return { status: 200 };
    };
    await boot(fastly());
    const cache = app!.get(CacheService);
    const edge = app!.get(EdgePurgeService);
    await cache.clear(); // the default namespace: not configured to purge
    edge.purgeTags('a');
    await nextTurn(); // 'a' is in flight, held by the stub
    edge.purgeTags('b');
    await app!.get(HttpCacheService).clear();
    release();
    await edge.flush();
    expect(stub.requests.map((r) => r.url)).toEqual(['/service/svc-1/purge', '/service/svc-1/purge_all']);
    expect(stub.requests[1].headers['fastly-key']).toBe(TOKEN);
    expect(edge.stats()).toMatchObject({ purged: 1, deduplicated: 1 });
  });

  it('HttpCacheService.invalidateTags purges, also while Redis does not answer', async () => {
    await freshStub();
    await boot(fastly(), { cache: { commandTimeout: 200 } });
    const http = app!.get(HttpCacheService);
    await http.invalidateTags(['product:1']);
    server.pause();
    try {
      expect(await http.invalidateTags(['product:2'])).toEqual({ pending: true });
    } finally {
      server.resume();
    }
    await app!.get(EdgePurgeService).flush();
    expect(stub.tagsOf(fastlyTags)).toEqual([['product:1'], ['product:2']]);
  });

  it('app.close() sends what is waiting', async () => {
    await freshStub();
    await boot(fastly());
    app!.get(EdgePurgeService).purgeTags('late');
    await app!.close();
    app = undefined;
    expect(stub.tagsOf(fastlyTags)).toEqual([['late']]);
  });

  it('Cloudflare: Bearer token, JSON tags, at most 100 per call, success: false is a failure', async () => {
    await freshStub();
    stub.answer = (r) => (cloudflareTags(r).includes('refused') ? { status: 200, body: '{"success":false,"errors":[{"code":1134}]}' } : { status: 200, body: '{"success":true}' });
    await boot(cloudflare());
    const edge = app!.get(EdgePurgeService);
    const tags = Array.from({ length: 250 }, (_, i) => `t${i}`);
    edge.purgeTags(tags);
    await edge.flush();
    expect(stub.requests.map((r) => [r.method, r.url, r.headers.authorization, r.headers['content-type']])).toEqual(
      Array(3).fill(['POST', '/zones/zone-1/purge_cache', `Bearer ${TOKEN}`, 'application/json']),
    );
    expect(stub.tagsOf(cloudflareTags).map((t) => t.length)).toEqual([100, 100, 50]);
    edge.purgeTags('refused');
    edge.purgeAll();
    await edge.flush();
    expect(JSON.parse(stub.requests.at(-1)!.body)).toEqual({ purge_everything: true });
    expect(edge.stats()).toMatchObject({ purged: 250, deduplicated: 1, failed: 0 });
    edge.purgeTags('refused');
    await edge.flush();
    expect(edge.stats()).toMatchObject({ failed: 1, retried: 0 });
  });

  it('Cloudflare: 5xx and 429 are retried', async () => {
    await freshStub();
    stub.answer = (_, i) => ({ status: [500, 429, 200][i] ?? 200, body: '{"success":true}' });
    await boot(cloudflare());
    const edge = app!.get(EdgePurgeService);
    edge.purgeTags('x');
    await edge.flush();
    expect(stub.requests).toHaveLength(3);
    expect(edge.stats()).toMatchObject({ purged: 1, retried: 2 });
  });

  it('a CDN that never answers: each request ends at edge.timeout, and app.close() settles', async () => {
    await freshStub();
    stub.answer = () => new Promise(() => undefined);
    await boot({ ...fastly(), timeout: 200, retry: { attempts: 2, minDelay: 5, maxDelay: 10 } });
    const edge = app!.get(EdgePurgeService);
    edge.purgeTags('a');
    await edge.flush();
    // The purger's own counts: a request aborted early may never have reached the stub.
    expect(edge.stats()).toMatchObject({ requests: 2, failed: 1, retried: 1, failedRequests: 1 });
    edge.purgeTags('b');
    await nextTurn();
    await app!.close(); // the request in flight is aborted within the budget; 'b' is counted
    app = undefined;
    const { failed, dropped, queued } = edge.stats();
    expect({ lost: failed + dropped, queued }).toEqual({ lost: 2, queued: 0 });
  });

  it('never follows a redirect: the token goes to the configured endpoint only', async () => {
    await freshStub();
    const elsewhere = await CdnStub.start();
    try {
      stub.answer = () => ({ status: 307, headers: { location: `${elsewhere.url}/steal` } });
      await boot(fastly());
      const edge = app!.get(EdgePurgeService);
      edge.purgeTags('x');
      await edge.flush();
      expect(elsewhere.requests).toHaveLength(0);
      expect(edge.stats()).toMatchObject({ purged: 0, failed: 1 });
    } finally {
      await elsewhere.stop();
    }
  });

  it('bad options fail at boot, every problem listed, no token in the message', async () => {
    await expect(bootEdge({ url: server.url }, {})).rejects.toThrow(/edge needs exactly one of varnish, fastly, cloudflare, adapter \(got none\)/);
    const error = (await bootEdge({ url: server.url }, { fastly: { serviceId: 's', apiKey: TOKEN, maxKeysPerRequest: 300 }, cloudflare: { zoneId: 'z', apiToken: TOKEN }, maxQueue: 0 }).catch((e: Error) => e)) as Error;
    expect(error.message).toMatch(/got fastly, cloudflare/);
    expect(error.message).toMatch(/maxKeysPerRequest/);
    expect(error.message).toMatch(/maxQueue/);
    expect(error.message).not.toContain(TOKEN);
  });
});
