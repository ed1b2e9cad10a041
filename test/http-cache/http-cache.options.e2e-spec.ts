import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { RedisServer } from '../harness/index.js';
import { calls, startHttpApp, type HttpApp } from './http-cache-app.js';

let server: RedisServer;
beforeAll(async () => {
  server = await RedisServer.start();
});
afterAll(async () => {
  await server?.stop();
});

describe('honorClientNoCache', () => {
  let h: HttpApp;
  beforeAll(async () => {
    h = await startHttpApp('express', { url: server.url }, { honorClientNoCache: true }, 'hcnc');
  });
  afterAll(async () => {
    await h?.close();
  });

  it("lets a client's Cache-Control: no-cache run the handler, and stores the fresh response", async () => {
    const first = await request(h.server).get('/products/nc').expect(200);
    const forced = await request(h.server).get('/products/nc').set('Cache-Control', 'no-cache').expect(200);
    expect(forced.headers['x-cache']).toBe('MISS');
    expect(forced.body.n).toBe(first.body.n + 1);
    const next = await request(h.server).get('/products/nc').expect(200);
    expect(next.headers['x-cache']).toBe('HIT');
    expect(next.body).toEqual(forced.body);
  });
});

describe('two instances with lock: true', () => {
  const apps: HttpApp[] = [];
  beforeAll(async () => {
    apps.push(await startHttpApp('express', { url: server.url }, { lock: true }, 'hclock'));
    apps.push(await startHttpApp('express', { url: server.url }, { lock: true }, 'hclock'));
  });
  afterAll(async () => {
    await Promise.all(apps.map((a) => a.close()));
  });

  it('run the handler once for concurrent misses on both, and share the purge', async () => {
    // Behind one load balancer both instances see the same Host (each test app has its own port).
    const get = (i: number, path: string) => request(apps[i].server).get(path).set('Host', 'shop.example');
    const k = `lock-${Date.now()}`;
    const responses = await Promise.all(Array.from({ length: 10 }, (_, i) => get(i % 2, `/slow?k=${k}`).expect(200)));
    expect(calls[`slow:${k}`]).toBe(1);
    expect(new Set(responses.map((r) => r.text)).size).toBe(1);

    await get(0, '/products/shared').expect(200);
    expect((await get(1, '/products/shared').expect(200)).headers['x-cache']).toBe('HIT');
    await request(apps[1].server).post('/products/shared').expect(201);
    expect((await get(0, '/products/shared').expect(200)).headers['x-cache']).toBe('MISS');
  });
});
