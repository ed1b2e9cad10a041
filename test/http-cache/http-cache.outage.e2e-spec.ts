import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { RedisServer } from '../harness/index.js';
import { calls, startHttpApp, type HttpApp } from './http-cache-app.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('response cache while Redis is down', () => {
  let server: RedisServer;
  const apps: Record<string, HttpApp> = {};
  beforeAll(async () => {
    server = await RedisServer.start();
    apps.express = await startHttpApp('express', { url: server.url }, {}, 'hcout');
    apps.fastify = await startHttpApp('fastify', { url: server.url }, {}, 'hcout');
  });
  afterAll(async () => {
    await Promise.all(Object.values(apps).map((a) => a.close()));
    await server?.stop();
  });

  it('still answers every route (the handler runs), and caches again once Redis is back', async () => {
    for (const h of Object.values(apps)) {
      await request(h.server).get('/products/1').expect(200);
      expect((await request(h.server).get('/products/1').expect(200)).headers['x-cache']).toBe('HIT');
    }
    await server.stop();
    await sleep(100);

    for (const [name, h] of Object.entries(apps)) {
      const id = `down-${name}`;
      for (let i = 0; i < 6; i++) {
        const res = await request(h.server).get(`/products/${id}`).expect(200);
        expect(res.body.id).toBe(id);
      }
      // Tagged responses cannot be checked later without their tag versions: none is kept, every request runs the handler.
      expect(calls[`one:${id}`]).toBe(6);
      await request(h.server).get('/products/1').expect(200);
      const slow = await Promise.all([1, 2, 3].map(() => request(h.server).get(`/slow?k=down-${name}`).expect(200)));
      expect(slow.every((r) => r.body.k === `down-${name}`)).toBe(true);
      // A mutation still succeeds; the invalidation waits for Redis, and is counted so.
      await request(h.server).post('/products/1').expect(201);
      expect(await h.metrics.text()).toMatch(/rediskit_http_cache_invalidations_total\{outcome="pending"\} [1-9]/);
    }

    await server.restart();
    for (const h of Object.values(apps)) {
      h.registry.get().breaker.close();
      const path = `/products/back-${Date.now()}`;
      let cached = false;
      for (let i = 0; i < 100 && !cached; i++) {
        await request(h.server).get(path).expect(200);
        cached = (await request(h.server).get(path).expect(200)).headers['x-cache'] === 'HIT';
        if (!cached) await sleep(50);
      }
      expect(cached).toBe(true);
    }
  });
});
