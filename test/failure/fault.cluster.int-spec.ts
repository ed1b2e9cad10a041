import { describe } from '@jest/globals';
import { RedisClusterFixture } from '../harness/index.js';
import { faultBehaviour } from './fault-behaviour.js';

describe('faults on a 3-master cluster (every master hung, crashed, restarted empty)', () => {
  faultBehaviour(async () => {
    const cluster = await RedisClusterFixture.start();
    return {
      connection: () => ({ cluster: { nodes: cluster.addresses } }),
      hang: () => cluster.nodes.forEach((n) => n.pause()),
      wake: () => cluster.nodes.forEach((n) => n.resume()),
      crash: async () => void (await Promise.all(cluster.nodes.map((n) => n.kill()))),
      // The nodes keep their cluster config (nodes.conf) and come back with their slots, empty.
      restart: async () => {
        await Promise.all(cluster.nodes.map((n) => n.restart()));
        await cluster.waitHealthy();
      },
      stop: () => cluster.stop(),
    };
  });
});
