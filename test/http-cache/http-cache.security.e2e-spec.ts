import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { Controller, Get, Logger, Param, Req, UseGuards } from '@nestjs/common';
import fc from 'fast-check';
import { request as httpRequest } from 'node:http';
import { CacheResponse, CurrentSession, NoCache, responseKey, SessionGuard, SessionService } from 'nestjs-rediskit';
import { type StoredResponse } from '../internals.js';
import { RedisServer } from '../harness/index.js';
import { startHttpApp, type AdapterName, type HttpApp } from './http-cache-app.js';

// ---------------------------------------------------------------- the app under attack

const runs: Record<string, number> = {};
const run = (name: string) => (runs[name] = (runs[name] ?? 0) + 1);
const sorted = (v: unknown): unknown =>
  Array.isArray(v) ? v.map(sorted) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted((v as any)[k])])) : v;
// What a handler sees of a request: the route parameter, the parsed query and the host.
const view = (id: string, req: any) => ({ id, query: sorted({ ...req.query }), host: req.host ?? null });

@Controller('sec')
class SecurityController {
  // No @CacheResponse: cached only through cacheByDefault, behind SessionGuard.
  @UseGuards(SessionGuard)
  @Get('me')
  me(@CurrentSession('userId') userId: string) {
    return { userId, n: run('me') };
  }

  @UseGuards(SessionGuard)
  @CacheResponse({ private: true })
  @Get('mine')
  mine(@CurrentSession('userId') userId: string) {
    return { userId, n: run('mine') };
  }

  // Answers differently to a credentialed request: what must never reach anyone else.
  @CacheResponse()
  @Get('profile')
  profile(@Req() req: any) {
    return { auth: req.headers.authorization ?? null, n: run('profile') };
  }

  @CacheResponse({ shared: true })
  @Get('catalog')
  catalog() {
    return { n: run('catalog') };
  }

  // Builds links from X-Forwarded-Host when present (as many apps do), else from the host.
  @CacheResponse()
  @Get('links')
  links(@Req() req: any) {
    return { home: `https://${req.headers['x-forwarded-host'] ?? req.host}/`, n: run('links') };
  }

  @CacheResponse()
  @Get('echo/:id')
  echo(@Param('id') id: string, @Req() req: any) {
    return view(id, req);
  }

  @NoCache()
  @Get('twin/:id')
  twin(@Param('id') id: string, @Req() req: any) {
    return view(id, req);
  }

  @CacheResponse({ tags: ['sec'] })
  @Get('static')
  static() {
    return { n: run('static') };
  }

  @CacheResponse({ ttl: 200, staleWhileRevalidate: '30s' })
  @Get('swr')
  swr() {
    return { n: run('swr') };
  }
}

// ---------------------------------------------------------------- raw HTTP (exact targets and Host headers)

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  body: any;
}

/** Sends the target exactly as given (a raw `#`, odd escapes), with the given headers and optional body. */
function raw(h: HttpApp, target: string, headers: Record<string, string> = {}, body?: string): Promise<RawResponse> {
  const { port } = h.server.address();
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: target, method: 'GET', headers: { host: 'acme.shop.example', ...headers }, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = undefined;
        }
        resolve({ status: res.statusCode!, headers: res.headers, text, body: parsed });
      });
    });
    req.on('error', reject);
    // A response that never completes (e.g. a header Node refused mid-write) fails the test instead of hanging it.
    req.setTimeout(5000, () => req.destroy(new Error(`no complete response to GET ${target} within 5 s`)));
    req.end(body);
  });
}

// ---------------------------------------------------------------- the attacks, on both adapters

let server: RedisServer;
beforeAll(async () => {
  server = await RedisServer.start();
});
afterAll(async () => {
  await server?.stop();
});

// Each attack also with earlyHits: hits answered before Nest's pipeline must hold the same line.
describe.each<[AdapterName, boolean]>([
  ['express', false],
  ['fastify', false],
  ['express', true],
  ['fastify', true],
])('response cache under attack on %s (earlyHits: %s)', (adapter, earlyHits) => {
  let h: HttpApp; // cacheByDefault, credentialCookies, the default identify (session userId)
  let trusting: HttpApp; // behind a trusted proxy: X-Forwarded-Host is the host
  let singleHost: HttpApp; // keyByHost: false
  let writer: HttpApp; // another instance on the same keyspace, writing what Redis will hold
  let sessions: SessionService;
  const options = { cacheByDefault: true, credentialCookies: ['remember_me'], identify: undefined, earlyHits };
  const p = earlyHits ? 'e' : ''; // a keyspace per mode
  const extra = { controllers: [SecurityController] };

  beforeAll(async () => {
    const connection = { url: server.url };
    h = await startHttpApp(adapter, connection, options, `hcsec${p}`, extra);
    writer = await startHttpApp(adapter, connection, options, `hcsec${p}`, extra);
    trusting = await startHttpApp(adapter, connection, options, `hcsectrust${p}`, { ...extra, trustProxy: true });
    singleHost = await startHttpApp(adapter, connection, { ...options, keyByHost: false }, `hcsecone${p}`, extra);
    sessions = h.app.get(SessionService);
    await Promise.all([h, trusting, singleHost].map((a) => a.http.clear()));
  });
  afterAll(async () => {
    await Promise.all([h, writer, trusting, singleHost].map((a) => a?.close()));
  });

  const login = async (user: string) => (await sessions.create(user, {})).token;
  const keyOf = (url: string, host = 'acme.shop.example') => responseKey({ method: 'GET', url, adapter, host });

  describe('credentialed requests never share an entry', () => {
    it('SessionGuard route cached by default: each user gets their own answer, sent private, no-store, never stored', async () => {
      const ann = await login('ann');
      const bob = await login('bob');
      const before = runs.me ?? 0;
      const a1 = await raw(h, '/sec/me', { cookie: `_ga=1; sid=${ann}` });
      const b1 = await raw(h, '/sec/me', { cookie: `sid=${bob}` });
      const b2 = await raw(h, '/sec/me', { authorization: `Bearer ${bob}` });
      const a2 = await raw(h, '/sec/me', { authorization: `Bearer ${ann}` });
      expect([a1, b1, b2, a2].map((r) => r.body.userId)).toEqual(['ann', 'bob', 'bob', 'ann']);
      for (const r of [a1, b1, b2, a2]) {
        expect(r.status).toBe(200);
        expect(r.headers['cache-control']).toBe('private, no-store');
        expect(r.headers['x-cache']).toBeUndefined();
      }
      expect(runs.me).toBe(before + 4);
      expect(await h.http.store.get(keyOf('/sec/me'))).toBeUndefined();
    });

    it('private: true behind SessionGuard is per user (owner-keyed), and never served to another user', async () => {
      const ann = await login('ann');
      const bob = await login('bob');
      const a1 = await raw(h, '/sec/mine', { cookie: `sid=${ann}` });
      const b1 = await raw(h, '/sec/mine', { cookie: `sid=${bob}` });
      const a2 = await raw(h, '/sec/mine', { authorization: `Bearer ${ann}` });
      expect(a1.headers['x-cache']).toBe('MISS');
      expect(b1.headers['x-cache']).toBe('MISS');
      expect(b1.body.userId).toBe('bob');
      expect(a2.headers['x-cache']).toBe('HIT');
      expect(a2.body).toEqual(a1.body);
      expect(a1.headers['cache-control']).toBe('private, max-age=0');
    });

    it('a Bearer request on a @CacheResponse route is not stored, and does not read the shared entry', async () => {
      const before = runs.profile ?? 0;
      const alice = await raw(h, '/sec/profile', { authorization: 'Bearer alice-secret' });
      expect(alice.body.auth).toBe('Bearer alice-secret');
      expect(alice.headers['cache-control']).toBe('private, no-store');
      expect(alice.headers['x-cache']).toBeUndefined();
      const anon = await raw(h, '/sec/profile');
      expect(anon.body.auth).toBeNull();
      expect(anon.headers['x-cache']).toBe('MISS');
      expect(anon.headers['cache-control']).toBe('public, max-age=0, s-maxage=60');
      const anon2 = await raw(h, '/sec/profile');
      expect(anon2.headers['x-cache']).toBe('HIT');
      expect(anon2.body.auth).toBeNull();
      const bob = await raw(h, '/sec/profile', { authorization: 'Basic Ym9iOnB3' });
      expect(bob.body.auth).toBe('Basic Ym9iOnB3');
      expect(bob.headers['x-cache']).toBeUndefined();
      expect(runs.profile).toBe(before + 3);
    });

    it('the session cookie (even unverified), credentialCookies and connect.sid bypass; other cookies do not', async () => {
      await raw(h, '/sec/profile?c=1');
      for (const cookie of ['sid=forged', 'theme=dark; remember_me=1', 'connect.sid=s%3Aabc']) {
        const r = await raw(h, '/sec/profile?c=1', { cookie });
        expect(r.headers['x-cache']).toBeUndefined();
        expect(r.headers['cache-control']).toBe('private, no-store');
      }
      const analytics = await raw(h, '/sec/profile?c=1', { cookie: '_ga=GA1.1; theme=dark' });
      expect(analytics.headers['x-cache']).toBe('HIT');
    });

    it('shared: true lets credentialed requests read and fill the one public entry', async () => {
      const first = await raw(h, '/sec/catalog', { authorization: 'Bearer a' });
      expect(first.headers['x-cache']).toBe('MISS');
      expect(first.headers['cache-control']).toBe('public, max-age=0, s-maxage=60');
      expect((await raw(h, '/sec/catalog')).headers['x-cache']).toBe('HIT');
      const other = await raw(h, '/sec/catalog', { cookie: `sid=${await login('carl')}` });
      expect(other.headers['x-cache']).toBe('HIT');
      expect(other.body).toEqual(first.body);
    });
  });

  describe('the host is part of the key', () => {
    it('two virtual hosts never share an entry', async () => {
      const acme = await raw(h, '/sec/links', { host: 'acme.shop.example' });
      const globex = await raw(h, '/sec/links', { host: 'globex.shop.example' });
      const acme2 = await raw(h, '/sec/links', { host: 'acme.shop.example' });
      expect(acme.body.home).toBe('https://acme.shop.example/');
      expect(globex.headers['x-cache']).toBe('MISS');
      expect(globex.body.home).toBe('https://globex.shop.example/');
      expect(acme2.headers['x-cache']).toBe('HIT');
      expect(acme2.body.home).toBe('https://acme.shop.example/');
    });

    it('an untrusted X-Forwarded-Host echoed by the handler poisons no one else', async () => {
      const attack = await raw(h, '/sec/links?v=1', { host: 'acme.shop.example', 'x-forwarded-host': 'evil.example' });
      expect(attack.body.home).toBe('https://evil.example/');
      for (let i = 0; i < 2; i++) {
        const victim = await raw(h, '/sec/links?v=1', { host: 'acme.shop.example' });
        expect(victim.body.home).toBe('https://acme.shop.example/');
      }
    });

    it('behind a trusted proxy the forwarded host is the host: keyed, so it cannot poison another host', async () => {
      const attack = await raw(trusting, '/sec/links?v=2', { host: 'acme.shop.example', 'x-forwarded-host': 'evil.example' });
      expect(attack.body.home).toBe('https://evil.example/');
      const victim = await raw(trusting, '/sec/links?v=2', { host: 'acme.shop.example' });
      expect(victim.body.home).toBe('https://acme.shop.example/');
      const viaProxy = await raw(trusting, '/sec/links?v=2', { host: 'app.internal:3000', 'x-forwarded-host': 'globex.shop.example' });
      expect(viaProxy.body.home).toBe('https://globex.shop.example/');
      const again = await raw(trusting, '/sec/links?v=2', { host: 'app.internal:3000', 'x-forwarded-host': 'globex.shop.example' });
      expect(again.headers['x-cache']).toBe('HIT');
      expect(again.body).toEqual(viaProxy.body);
    });

    it('keyByHost: false shares entries across hosts (single-host apps)', async () => {
      await raw(singleHost, '/sec/static', { host: 'acme.shop.example' });
      expect((await raw(singleHost, '/sec/static', { host: 'www.acme.shop.example' })).headers['x-cache']).toBe('HIT');
    });
  });

  describe('query keying', () => {
    it('repeated parameters keep their order', async () => {
      const a = await raw(h, '/sec/echo/q?sort=price&sort=name');
      const b = await raw(h, '/sec/echo/q?sort=name&sort=price');
      expect(a.body.query.sort).toEqual(['price', 'name']);
      expect(b.headers['x-cache']).toBe('MISS');
      expect(b.body.query.sort).toEqual(['name', 'price']);
      const a2 = await raw(h, '/sec/echo/q?sort=price&sort=name');
      expect(a2.headers['x-cache']).toBe('HIT');
      expect(a2.body).toEqual(a.body);
    });

    it('a raw # gets the entry of what the handler sees, never the one of %23', async () => {
      for (const [first, second] of [
        ['/sec/echo/h?q=1%23x', '/sec/echo/h?q=1#x'],
        ['/sec/echo/h?q=1#x', '/sec/echo/h?q=1'],
        ['/sec/echo/h%23x', '/sec/echo/h#x'],
      ]) {
        await raw(h, first);
        const cached = await raw(h, second);
        const truth = await raw(h, second.replace('/sec/echo/', '/sec/twin/'));
        expect({ target: second, body: cached.body }).toEqual({ target: second, body: truth.body });
      }
    });

    it('random targets and hosts: every cached answer is the one the handler gives that request (fast-check)', async () => {
      const tokens = ['a', 'b', '1', '=', '&', '&', '?', '#', '+', '%20', '%2B', '%23', '%26', '%61', '%FF', '%ff', '%C3%A9', '%c3%a9', '[', ']', '%5B', '.'];
      const target = fc.tuple(fc.constantFrom('x', 'x%23', 'y'), fc.constantFrom('', '?', '#'), fc.array(fc.constantFrom(...tokens), { maxLength: 6 }));
      const host = fc.constantFrom('acme.shop.example', 'globex.shop.example', 'acme.shop.example:8443');
      await fc.assert(
        fc.asyncProperty(target, host, async ([id, sep, rest], hostName) => {
          const tail = id + sep + rest.join('');
          const cached = await raw(h, '/sec/echo/' + tail, { host: hostName });
          const truth = await raw(h, '/sec/twin/' + tail, { host: hostName });
          expect({ tail, status: cached.status }).toEqual({ tail, status: truth.status });
          if (truth.status === 200) expect({ tail, body: cached.body }).toEqual({ tail, body: truth.body });
        }),
        { numRuns: 150 },
      );
    });
  });

  describe('a GET or HEAD with a body is not cached', () => {
    it('is neither served from nor stored in the entry', async () => {
      const first = await raw(h, '/sec/static?b=1');
      expect((await raw(h, '/sec/static?b=1')).headers['x-cache']).toBe('HIT');
      const before = runs.static;
      const sized = await raw(h, '/sec/static?b=1', { 'content-type': 'application/json', 'content-length': '2' }, '{}');
      const chunked = await raw(h, '/sec/static?b=1', { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, '{}');
      for (const r of [sized, chunked]) {
        expect(r.status).toBe(200);
        expect(r.headers['x-cache']).toBeUndefined();
      }
      expect(runs.static).toBe(before + 2);
      const after = await raw(h, '/sec/static?b=1');
      expect(after.headers['x-cache']).toBe('HIT');
      expect(after.body).toEqual(first.body);
    });
  });

  describe('a stored response that fails validation reads as a miss', () => {
    const valid = (): StoredResponse => ({ n: 'x1', at: Date.now(), s: 200, t: 'application/json; charset=utf-8', b: '{"n":-1}', e: '"AAAAAAAAAAAAAAAAAAAAAAAAAAA"' });
    const hostile: [string, Record<string, unknown>][] = [
      ['CR/LF in a header value', { h: [['link', '</a>\r\nSet-Cookie: sid=attacker']] }],
      ['a header the app does not store', { h: [['set-cookie', 'sid=attacker']] }],
      ['a status out of range', { s: 999 }],
      ['a 500', { s: 500 }],
      ['a bad ETag', { e: '"x"\r\nX-Evil: 1' }],
      ['a body over maxBodySize', { b: 'x'.repeat(1024 * 1024 + 1) }],
      ['not an object', { shape: 'junk' }],
    ];

    let warn: jest.Spied<Logger['warn']>;
    beforeAll(() => {
      warn = jest.spyOn(Logger.prototype, 'warn');
    });
    afterAll(() => warn.mockRestore());

    it.each(hostile)('%s: answered by the handler (200, MISS), replaced and counted', async (what, patch) => {
      const url = `/sec/static?corrupt=${encodeURIComponent(what)}`;
      const entry = 'shape' in patch ? 'junk' : { ...valid(), ...patch };
      // Another instance writes it: Redis holds it, and this instance reads it from there.
      await writer.http.store.set(keyOf(url), entry, { ttl: 60_000, tags: ['sec'] });
      const before = runs.static;
      const res = await raw(h, url);
      expect(res.status).toBe(200);
      expect(res.headers['x-cache']).toBe('MISS');
      expect(res.headers['set-cookie']).toBeUndefined();
      expect(res.body.n).toBe(before + 1);
      const again = await raw(h, url);
      expect(again.headers['x-cache']).toBe('HIT');
      expect(again.body).toEqual(res.body);
      const stored = await h.http.store.get<StoredResponse>(keyOf(url));
      expect(stored?.b).toBe(res.text);
    });

    it('logged once per route, every one counted', async () => {
      const logged = warn.mock.calls.filter((c: unknown[]) => String(c[0]).includes('failed validation') && String(c[0]).includes('/sec/static'));
      expect(logged).toHaveLength(1);
      const text = await h.metrics.text();
      const count = Number(/rediskit_http_cache_rejected_entries_total\{route="\/sec\/static"\} (\d+)/.exec(text)?.[1]);
      expect(count).toBeGreaterThanOrEqual(hostile.length);
    });

    it('served stale (stale-while-revalidate): answered by one handler run, then replaced', async () => {
      await writer.http.store.set(keyOf('/sec/swr'), { ...valid(), h: [['link', 'a\nb']] }, { ttl: 50, grace: 30_000 });
      await new Promise((r) => setTimeout(r, 100));
      const before = runs.swr ?? 0;
      const res = await raw(h, '/sec/swr');
      expect(res.status).toBe(200);
      expect(res.body.n).toBe(before + 1);
      await new Promise((r) => setTimeout(r, 50));
      expect(runs.swr).toBe(before + 1);
      const again = await raw(h, '/sec/swr');
      expect(again.status).toBe(200);
      expect(again.body).toEqual(res.body);
    });
  });
});
