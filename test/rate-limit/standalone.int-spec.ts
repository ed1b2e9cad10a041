import { afterAll, beforeAll, describe } from '@jest/globals';
import { RedisServer } from '../harness/index.js';
import { rateLimitBehaviour } from './rate-limit-behaviour.js';

describe('rate limiting on a standalone server', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await RedisServer.start();
  });
  afterAll(async () => {
    await server?.stop();
  });

  rateLimitBehaviour(() => ({
    connection: () => ({ url: server.url }),
    nodes: () => [server],
    nodeFor: async () => server,
  }));
});
