import { afterAll, describe } from '@jest/globals';
import { RedisClusterFixture } from '../harness/index.js';
import { idempotencyBehaviour } from './idempotency-behaviour.js';

describe('@Idempotent on a 3-master cluster', () => {
  let cluster: RedisClusterFixture;
  afterAll(async () => {
    await cluster?.stop();
  });

  idempotencyBehaviour(
    'express',
    async () => {
      cluster = await RedisClusterFixture.start();
      return {
        connection: () => ({ cluster: { nodes: cluster.addresses } }),
        hang: () => cluster.nodes.forEach((n) => n.pause()),
        wake: () => cluster.nodes.forEach((n) => n.resume()),
      };
    },
    'ic',
  );
});
