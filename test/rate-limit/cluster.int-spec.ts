import { afterAll, beforeAll, describe } from '@jest/globals';
import calculateSlot from 'cluster-key-slot';
import { RedisClusterFixture } from '../harness/index.js';
import { rateLimitBehaviour } from './rate-limit-behaviour.js';

describe('rate limiting on a 3-master cluster', () => {
  let cluster: RedisClusterFixture;
  beforeAll(async () => {
    cluster = await RedisClusterFixture.start();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  rateLimitBehaviour(() => ({
    connection: () => ({ cluster: { nodes: cluster.addresses } }),
    nodes: () => cluster.nodes,
    nodeFor: (key) => cluster.ownerOf(calculateSlot(key)),
  }));
});
