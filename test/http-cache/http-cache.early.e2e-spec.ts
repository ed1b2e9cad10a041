import { afterAll, beforeAll } from '@jest/globals';
import { RedisServer } from '../harness/index.js';
import { httpCacheFeatures } from './http-cache-features.js';

let server: RedisServer;
beforeAll(async () => {
  server = await RedisServer.start();
});
afterAll(async () => {
  await server?.stop();
});

// The whole feature suite again, with hits answered before Nest's pipeline: same answers.
httpCacheFeatures('early', () => ({ url: server.url }), ['express', 'fastify'], { earlyHits: true });
