import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { createDemoApp } from '../../apps/demo/src/app.factory.js';
import { RedisClusterFixture } from '../harness/index.js';
import { login } from './demo-app.js';

// The same demo on a 3-master Redis Cluster (REDIS_CLUSTER_NODES): every feature's keys and
// scripts must land on one slot per operation.
describe('the demo on a Redis Cluster', () => {
  let cluster: RedisClusterFixture;
  let app: NestExpressApplication;
  let url: string;

  beforeAll(async () => {
    cluster = await RedisClusterFixture.start();
    const nodes = cluster.addresses.map((a) => `${a.host}:${a.port}`).join(',');
    app = await createDemoApp({ NODE_ENV: 'test', REDIS_CLUSTER_NODES: nodes, TRUST_PROXY: 'loopback' }, { logger: false });
    await app.listen(0, '127.0.0.1');
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });
  afterAll(async () => {
    await app?.close();
    await cluster?.stop();
  });

  it('serves the whole flow: session, cached catalog, fenced order, live notification, GEO, health', async () => {
    const http = request(url);
    expect((await http.get('/health').expect(200)).body.info.redis.topology).toBe('cluster');
    const cookie = await login(url, 'ada@example.com');
    await http.get('/products').expect(200);
    expect((await http.get('/products').expect(200)).headers['x-cache']).toBe('HIT');
    await http.get('/products/2').expect(200);

    const controller = new AbortController();
    const stream = await fetch(`${url}/notifications/stream`, { headers: { cookie }, signal: controller.signal });
    const reader = stream.body!.getReader();
    let text = '';
    const until = async (needle: string) => {
      while (!text.includes(needle)) text += new TextDecoder().decode((await reader.read()).value);
    };
    try {
      await until('stream.ready');
      const order = await http.post('/orders').set('Cookie', cookie).send({ productId: 2 }).expect(201);
      await until(`Order #${order.body.id} confirmed`);
    } finally {
      controller.abort();
    }
    expect((await http.get('/products/2').expect(200)).body.unitsSold).toBe(1);
    expect((await http.get('/products').expect(200)).headers['x-cache']).toBe('MISS');

    await http.put('/drivers/c1/location').send({ lat: 52.52, lng: 13.405 }).expect(200);
    expect((await http.get('/drivers/nearby').query({ lat: 52.52, lng: 13.405, km: 1 }).expect(200)).body[0].id).toBe('c1');
    expect((await http.get('/auth/sessions').set('Cookie', cookie).expect(200)).body).toHaveLength(1);
    expect((await http.post('/auth/logout-all').set('Cookie', cookie).expect(200)).body).toEqual({ destroyed: 1 });
  });
});
