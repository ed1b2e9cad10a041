import { describe } from '@jest/globals';
import { RedisServer } from '../harness/index.js';
import { faultBehaviour } from './fault-behaviour.js';

describe('faults on a single Redis (SIGSTOP, SIGKILL, restart without persistence)', () => {
  faultBehaviour(async () => {
    const server = await RedisServer.start();
    return {
      connection: () => ({ url: server.url }),
      hang: () => server.pause(),
      wake: () => server.resume(),
      crash: () => server.kill(),
      restart: () => server.restart(),
      stop: () => server.stop(),
    };
  });
});
