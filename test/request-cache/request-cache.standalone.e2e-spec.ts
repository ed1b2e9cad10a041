import { afterAll, beforeAll } from '@jest/globals';
import { RedisServer } from '../harness/index.js';
import { requestCacheBehaviour } from './request-cache-behaviour.js';

let server: RedisServer;
beforeAll(async () => {
  server = await RedisServer.start();
});
afterAll(async () => {
  await server?.stop();
});

requestCacheBehaviour('standalone', () => ({ url: server.url }));
