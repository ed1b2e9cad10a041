import { afterAll, describe } from '@jest/globals';
import { RedisServer } from '../harness/index.js';
import { invalidationBehaviour } from './invalidation-behaviour.js';

describe('InvalidationService on one Redis', () => {
  let server: RedisServer;
  afterAll(async () => {
    await server?.stop();
  });

  invalidationBehaviour(async () => {
    server = await RedisServer.start();
    return {
      connection: () => ({ url: server.url }),
      stop: () => server.stop(),
      restart: () => server.restart(),
      hang: () => server.pause(),
      wake: () => server.resume(),
    };
  }, 'is');
});
