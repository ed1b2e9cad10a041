import { afterAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { RedisServer } from '../harness/index.js';
import { bootApp } from './idempotency-app.js';
import { idempotencyBehaviour } from './idempotency-behaviour.js';

describe('@Idempotent on a standalone server', () => {
  let server: RedisServer;
  afterAll(async () => {
    await server?.stop();
  });
  const topology = async () => {
    server ??= await RedisServer.start();
    return { connection: () => ({ url: server.url }), hang: () => server.pause(), wake: () => server.resume() };
  };

  describe('Express', () => idempotencyBehaviour('express', topology, 'ie'));
  describe('Fastify', () => idempotencyBehaviour('fastify', topology, 'if'));

  it('with Redis stopped, a request is refused with 503 at once and the handler does not run', async () => {
    const down = await RedisServer.start();
    const app = await bootApp('express', { url: down.url }, {}, 'id');
    try {
      await down.stop();
      const res = await request(app.server).post('/payments').set('X-User', 'alice').set('Idempotency-Key', '"down-1"').send({ item: 'down' }).timeout(6000).expect(503);
      expect(res.body.error).toBe('IDEMPOTENCY_UNAVAILABLE');
    } finally {
      await app.close();
    }
  });
});
