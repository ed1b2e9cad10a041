import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { RedisServer, waitFor } from '../harness/index.js';
import { nodeBinary } from './node-runtime.js';
import { packedTarball } from './pack.js';
import { ThrowawayApp } from './throwaway-app.js';

/** Installing from the registry, compiling and booting take a while on a cold npm cache. */
export const INSTALL_TIMEOUT = 300_000;

export interface Running {
  app: ThrowawayApp;
  /** The Node.js version the app runs on. */
  nodeVersion: string;
  url: string;
  server: RedisServer;
}

/**
 * Creates the app `name` outside the repository with the packed tarball, type-checks it with
 * its own TypeScript, boots it against a real redis-server; stopped and removed after the suite.
 */
export function useInstalledApp(name: string, options: { shared?: boolean; node?: number } = {}): () => Running {
  let running: Running | undefined;
  beforeAll(async () => {
    const server = await RedisServer.start();
    const app = await ThrowawayApp.install(name, await packedTarball(), options);
    await app.compile();
    const url = await app.start({ REDIS_URL: server.url }, options.node ? await nodeBinary(options.node) : undefined);
    running = { app, url, server, nodeVersion: ((await (await fetch(url + '/runtime')).json()) as { node: string }).node };
  }, INSTALL_TIMEOUT);
  afterAll(async () => {
    await running?.app.remove();
    await running?.server.stop();
  });
  return () => {
    if (!running) throw new Error(`${name} did not start`);
    return running;
  };
}

/** The capabilities every full app (test/package/apps/shared) exposes, driven over HTTP. */
export function itServesEveryCapability(current: () => Running): void {
  const get = (path: string, init?: RequestInit) => fetch(current().url + path, init);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON bodies of the app's routes
  const json = async (res: Response | Promise<Response>): Promise<any> => (await res).json();
  const post = (path: string, init?: RequestInit) => get(path, { ...init, method: 'POST' });

  it('CacheService.getOrSet with tags: loads once, loads again after the tag is invalidated', async () => {
    const first = await json(get('/products/7'));
    expect(await json(get('/products/7'))).toEqual(first);
    expect((await post('/products/7/invalidate')).status).toBe(204);
    expect(await json(get('/products/7'))).toEqual({ id: '7', load: first.load + 1 });
  });

  it('@CacheResponse: a miss, then a hit with the same body', async () => {
    const miss = await get('/catalog');
    const body = await miss.text();
    expect(miss.headers.get('x-cache')).toBe('MISS');
    const hit = await get('/catalog');
    expect(hit.headers.get('x-cache')).toBe('HIT');
    expect(await hit.text()).toBe(body);
  });

  it('@RateLimit: the third call within the window is refused with 429', async () => {
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await get('/limited')).status);
    expect(statuses).toEqual([200, 200, 429]);
  });

  it('SessionGuard: a login sets the cookie that opens /me; without it /me is refused', async () => {
    const login = await post('/login');
    expect(login.status).toBe(200);
    const cookie = login.headers.getSetCookie()[0].split(';')[0];
    const me = await get('/me', { headers: { cookie } });
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual({ userId: 'ann' });
    expect((await get('/me')).status).toBe(401);
  });

  it('LockService.withLock: each holder gets a higher fencing token', async () => {
    const a = (await json(post('/checkout/1'))).fencingToken;
    const b = (await json(post('/checkout/1'))).fencingToken;
    expect(b).toBeGreaterThan(a);
  });

  it('PubSubService: a published message reaches the @OnMessage handler', async () => {
    expect((await post('/publish/hello')).status).toBe(204);
    await waitFor(async () => ((await json(get('/received'))) as string[]).includes('hello'), 10_000, 'the message reaches the handler');
  });

  it('RedisHealthIndicator through @nestjs/terminus reports up', async () => {
    const res = await get('/health');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', info: { redis: { status: 'up' } } });
  });
}
