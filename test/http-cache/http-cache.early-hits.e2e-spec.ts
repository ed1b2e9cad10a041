import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import type { HttpCacheService } from 'nestjs-rediskit';
import { RedisServer } from '../harness/index.js';
import type { AdapterName } from './http-cache-app.js';
import { seen, startEarlyApp } from './http-cache-early-app.js';

type App = Awaited<ReturnType<typeof startEarlyApp>>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const count = (name: string) => seen[name] ?? 0;

// Headers that differ between two answers for reasons of their own (time, connection).
const UNCOMPARED = new Set(['date', 'age', 'connection', 'keep-alive']);
const comparable = (res: request.Response) => ({
  status: res.status,
  text: res.text,
  body: Buffer.isBuffer(res.body) ? res.body.toString('base64') : undefined,
  headers: Object.fromEntries(Object.entries(res.headers).filter(([name]) => !UNCOMPARED.has(name))),
});

let server: RedisServer;
beforeAll(async () => {
  server = await RedisServer.start();
});
afterAll(async () => {
  await server?.stop();
});

describe.each<AdapterName>(['express', 'fastify'])('early hits on %s', (adapter) => {
  let early: App; // earlyHits: true
  let peer: App; // another instance of `early` (same keyspace): invalidates over the bus
  let normal: App; // earlyHits: false: what the normal path answers
  let providerGuard: App; // APP_GUARD
  let appGuard: App; // app.useGlobalGuards()
  let outer: App; // an APP_INTERCEPTOR before the response cache
  let versioned: App; // header versioning
  let overriding: App; // the response cache is a subclass overriding intercept()
  const apps = () => [early, peer, normal, providerGuard, appGuard, outer, versioned, overriding];

  beforeAll(async () => {
    const url = server.url;
    early = await startEarlyApp(adapter, url, { earlyHits: true, prefix: 'hce' });
    peer = await startEarlyApp(adapter, url, { earlyHits: true, prefix: 'hce' });
    normal = await startEarlyApp(adapter, url, { earlyHits: false, prefix: 'hcn' });
    providerGuard = await startEarlyApp(adapter, url, { earlyHits: true, prefix: 'hcg1', globalGuard: 'provider' });
    appGuard = await startEarlyApp(adapter, url, { earlyHits: true, prefix: 'hcg2', globalGuard: 'app' });
    outer = await startEarlyApp(adapter, url, { earlyHits: true, prefix: 'hco', outerInterceptor: true });
    versioned = await startEarlyApp(adapter, url, { earlyHits: true, prefix: 'hcv', headerVersioning: true });
    overriding = await startEarlyApp(adapter, url, { earlyHits: true, prefix: 'hcov', overridingInterceptor: true });
    await Promise.all(apps().map((a) => a.http.clear()));
  });
  afterAll(async () => {
    await Promise.all(apps().map((a) => a?.app.close()));
  });

  const get = (a: App, path: string, headers: Record<string, string> = {}) => request(a.server).get(path).set(headers);
  /** Sends hits until one does not reach the interceptor (fails when none does within 5 s). */
  const untilAnsweredEarly = async (a: App, path: string, handler: string, headers: Record<string, string> = {}) => {
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      const before = count(`cache:${handler}`);
      expect((await get(a, path, headers)).headers['x-cache']).toBe('HIT');
      if (count(`cache:${handler}`) === before) return;
      await sleep(20);
    }
    throw new Error(`no hit of ${path} was answered early within 5 s`);
  };

  it('answers a hit without reaching Nest: no interceptor, guard or handler runs (and only with earlyHits)', async () => {
    expect((await get(early, '/early/open?q=1')).headers['x-cache']).toBe('MISS');
    // Memory serves once the cache trusts it (its bus listens); until then a hit is the normal path's.
    await untilAnsweredEarly(early, '/early/open?q=1', 'open');
    const reached = count('cache:open');
    const handled = count('handler:open');
    const hits = early.http.stats()['/early/open'].hit;
    for (let i = 0; i < 3; i++) {
      const hit = await get(early, '/early/open?q=1').expect(200);
      expect(hit.headers['x-cache']).toBe('HIT');
      expect(hit.body).toEqual({ route: 'open', query: { q: '1' } });
    }
    expect(count('cache:open')).toBe(reached); // the interceptor never ran: answered before the pipeline
    expect(count('handler:open')).toBe(handled);
    expect(early.http.stats()['/early/open'].hit).toBe(hits + 3); // counted as hits all the same

    // Without earlyHits every hit goes through the interceptor.
    await get(normal, '/early/open?q=1');
    const before = count('cache:open');
    for (let i = 0; i < 3; i++) expect((await get(normal, '/early/open?q=1')).headers['x-cache']).toBe('HIT');
    expect(count('cache:open')).toBe(before + 3);
  });

  it('answers every request exactly as the normal path does: headers, bodies, HEAD, credentials, Vary, private, condition', async () => {
    const cases: [string, string, Record<string, string>][] = [
      ['GET', '/early/open?b=2&a=1', {}],
      ['GET', '/early/open?a=1&b=2', {}],
      ['HEAD', '/early/open?a=1&b=2', {}],
      ['GET', '/early/open?a=1&b=2', { 'cache-control': 'no-cache' }],
      ['GET', '/early/open?a=1&b=2', { authorization: 'Bearer secret' }],
      ['GET', '/early/open?a=1&b=2', { 'x-api-token': 't' }], // the interceptor's own carriesCredentials
      ['GET', '/early/open?a=1&b=2', { cookie: 'connect.sid=s%3Aabc' }],
      ['GET', '/early/open?a=1&b=2', { cookie: 'theme=dark' }],
      ['GET', '/early/vary', { 'accept-language': 'fr' }],
      ['GET', '/early/vary', { 'accept-language': 'en' }],
      ['GET', '/early/vary', {}],
      ['HEAD', '/early/vary', { 'accept-language': 'fr' }],
      ['GET', '/early/mine', { 'x-user': 'ann' }],
      ['GET', '/early/mine', { 'x-user': 'bob' }],
      ['GET', '/early/mine', {}],
      ['GET', '/early/conditional', { 'x-skip': '1' }],
      ['GET', '/early/conditional', {}],
      ['GET', '/early/text', {}],
      ['HEAD', '/early/text', {}],
      ['GET', '/early/bytes', {}],
      ['GET', '/early/inner', {}],
      ['GET', '/early/header', {}],
      ['GET', '/early/guarded', {}],
      ['GET', '/early-guarded/one', {}],
    ];
    const send = (a: App, [method, path, headers]: (typeof cases)[number]) => (method === 'HEAD' ? request(a.server).head(path) : request(a.server).get(path)).set(headers).buffer(true);
    for (const c of cases) {
      // Twice each: the second is a hit wherever the route caches the request.
      await send(early, c);
      await send(normal, c);
      const ours = comparable(await send(early, c));
      const theirs = comparable(await send(normal, c));
      expect({ request: c, ...ours }).toEqual({ request: c, ...theirs });
    }
  });

  it('answers a matching If-None-Match with a 304, and HEAD without a body, early', async () => {
    const first = await get(early, '/early/open?etag=1');
    await get(early, '/early/open?etag=1');
    const reached = count('cache:open');
    const notModified = await get(early, '/early/open?etag=1', { 'if-none-match': first.headers['etag'] }).expect(304);
    expect(notModified.headers['etag']).toBe(first.headers['etag']);
    expect(notModified.headers['x-cache']).toBe('HIT');
    expect(notModified.text).toBeFalsy();
    const head = await request(early.server).head('/early/open?etag=1').expect(200);
    expect(head.headers['x-cache']).toBe('HIT');
    expect(head.headers['content-length']).toBe(first.headers['content-length']);
    expect(head.text).toBeFalsy();
    expect(count('cache:open')).toBe(reached);
  });

  it('never answers early a route with a guard (route or controller): the guard runs on every hit', async () => {
    for (const [path, name] of [
      ['/early/guarded', 'guarded'],
      ['/early-guarded/one', 'one'],
    ]) {
      await get(early, path);
      const guards = count(`guard:${name}`);
      const reached = count(`cache:${name}`);
      for (let i = 0; i < 3; i++) expect((await get(early, path)).headers['x-cache']).toBe('HIT');
      expect(count(`guard:${name}`)).toBe(guards + 3);
      expect(count(`cache:${name}`)).toBe(reached + 3);
    }
  });

  it('never answers early with a global guard, as an APP_GUARD provider or through useGlobalGuards()', async () => {
    for (const app of [providerGuard, appGuard]) {
      await get(app, '/early/open?global=1');
      const guards = count('guard:open');
      for (let i = 0; i < 3; i++) expect((await get(app, '/early/open?global=1')).headers['x-cache']).toBe('HIT');
      expect(count('guard:open')).toBe(guards + 3);
    }
  });

  it('never answers early when an interceptor runs before the response cache, or it is a subclass overriding intercept(); one after it runs on no hit either way', async () => {
    await get(outer, '/early/open?outer=1');
    const before = count('interceptor:open');
    for (let i = 0; i < 3; i++) expect((await get(outer, '/early/open?outer=1')).headers['x-cache']).toBe('HIT');
    expect(count('interceptor:open')).toBe(before + 3);

    await get(overriding, '/early/open?override=1');
    const overrides = count('override:open');
    for (let i = 0; i < 3; i++) expect((await get(overriding, '/early/open?override=1')).headers['x-cache']).toBe('HIT');
    expect(count('override:open')).toBe(overrides + 3);

    await get(early, '/early/inner');
    const inner = count('interceptor:inner');
    const reached = count('cache:inner');
    for (let i = 0; i < 3; i++) expect((await get(early, '/early/inner')).headers['x-cache']).toBe('HIT');
    expect(count('interceptor:inner')).toBe(inner);
    expect(count('cache:inner')).toBe(reached); // answered early
  });

  it('never answers early a route with @Header(): its header is on every hit', async () => {
    await get(early, '/early/header');
    const reached = count('cache:header');
    const hit = await get(early, '/early/header');
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(hit.headers['x-route']).toBe('fixed');
    expect(count('cache:header')).toBe(reached + 1);
  });

  it('never answers early a request-scoped controller: Nest builds it on every hit', async () => {
    await get(early, '/early-scoped/one');
    const created = count('scoped:created');
    const reached = count('cache:scoped');
    for (let i = 0; i < 3; i++) expect((await get(early, '/early-scoped/one')).headers['x-cache']).toBe('HIT');
    expect(count('scoped:created')).toBe(created + 3);
    expect(count('cache:scoped')).toBe(reached + 3);
  });

  it('never answers early behind a host filter or header versioning (Nest applies them inside its handler)', async () => {
    const host = { host: 'api.shop.example' };
    await get(early, '/early-host/one', host);
    let reached = count('cache:hosted');
    for (let i = 0; i < 2; i++) expect((await get(early, '/early-host/one', host)).headers['x-cache']).toBe('HIT');
    expect(count('cache:hosted')).toBe(reached + 2);
    expect((await get(early, '/early-host/one', { host: 'other.example' })).status).toBe(404);

    await get(versioned, '/early/open?v=1');
    reached = count('cache:open');
    for (let i = 0; i < 2; i++) expect((await get(versioned, '/early/open?v=1')).headers['x-cache']).toBe('HIT');
    expect(count('cache:open')).toBe(reached + 2);
  });

  it('answers binary bodies early on Fastify only (Express streams them through Nest)', async () => {
    await get(early, '/early/bytes');
    const reached = count('cache:bytes');
    expect((await get(early, '/early/bytes')).headers['x-cache']).toBe('HIT');
    expect(count('cache:bytes')).toBe(adapter === 'fastify' ? reached : reached + 1);
  });

  it('stops answering an entry early as soon as its tag is invalidated', async () => {
    await get(early, '/early/open?inv=1');
    expect((await get(early, '/early/open?inv=1')).headers['x-cache']).toBe('HIT');
    const handled = count('handler:open');
    await early.http.invalidateTags(['open']);
    expect((await get(early, '/early/open?inv=1')).headers['x-cache']).toBe('MISS');
    expect(count('handler:open')).toBe(handled + 1);
  });

  it('stops answering an entry early once another instance invalidated its tag (over the bus)', async () => {
    await get(early, '/early/open?bus=1');
    expect((await get(early, '/early/open?bus=1')).headers['x-cache']).toBe('HIT');
    const handled = count('handler:open');
    await peer.http.invalidateTags(['early']);
    // The bus message takes a moment to arrive (the normal path serves memory until then too).
    const deadline = Date.now() + 5000;
    let result = 'HIT';
    while (result === 'HIT' && Date.now() < deadline) {
      result = (await get(early, '/early/open?bus=1')).headers['x-cache'];
      if (result === 'HIT') await sleep(10);
    }
    expect(result).toBe('MISS');
    expect(count('handler:open')).toBe(handled + 1);
  });

  it('reads memory only: an entry only Redis holds takes the normal path (then memory holds it)', async () => {
    const host = { host: 'shop.example' }; // one host for both instances (part of the key)
    await get(peer, '/early/open?l2=1', host); // stored by the peer: in Redis, not in this instance's memory
    const reached = count('cache:open');
    const handled = count('handler:open');
    expect((await get(early, '/early/open?l2=1', host)).headers['x-cache']).toBe('HIT');
    expect(count('cache:open')).toBe(reached + 1);
    // Memory now holds it; it serves once it can vouch for the entry's tags (read back from Redis).
    await untilAnsweredEarly(early, '/early/open?l2=1', 'open', host);
    expect(count('handler:open')).toBe(handled);
  });
});

/** Boot-time wiring: an app without earlyHits never wraps its routes. */
describe('earlyHits off', () => {
  it('leaves the adapter alone', async () => {
    const normal = await startEarlyApp('express', server.url, { earlyHits: false, prefix: 'hcoff' });
    try {
      expect((normal.http as HttpCacheService & { earlyHits?: unknown }).earlyHits).toBeUndefined();
      const adapter = (normal.app as INestApplication).getHttpAdapter() as unknown as Record<PropertyKey, unknown>;
      expect(Object.prototype.hasOwnProperty.call(adapter, 'get')).toBe(false);
    } finally {
      await normal.app.close();
    }
  });
});
