import { afterAll, beforeAll } from '@jest/globals';
import { RedisServer } from '../harness/index.js';
import { httpCacheAdaptive } from './http-cache-adaptive.js';
import { httpCacheFeatures } from './http-cache-features.js';

let server: RedisServer;
beforeAll(async () => {
  server = await RedisServer.start();
});
afterAll(async () => {
  await server?.stop();
});

httpCacheFeatures('standalone', () => ({ url: server.url }));
httpCacheAdaptive('standalone', () => ({ url: server.url }));
