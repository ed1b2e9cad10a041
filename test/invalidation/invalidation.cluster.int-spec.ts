import { afterAll, describe } from '@jest/globals';
import { RedisClusterFixture } from '../harness/index.js';
import { invalidationBehaviour } from './invalidation-behaviour.js';

describe('InvalidationService on a 3-master cluster', () => {
  let cluster: RedisClusterFixture;
  afterAll(async () => {
    await cluster?.stop();
  });

  invalidationBehaviour(async () => {
    cluster = await RedisClusterFixture.start();
    return {
      connection: () => ({ cluster: { nodes: cluster.addresses } }),
      stop: async () => {
        await Promise.all(cluster.nodes.map((node) => node.stop()));
      },
      restart: async () => {
        await Promise.all(cluster.nodes.map((node) => node.restart()));
        await cluster.waitHealthy();
      },
      hang: () => cluster.nodes.forEach((node) => node.pause()),
      wake: () => cluster.nodes.forEach((node) => node.resume()),
    };
  }, 'ic');
});
