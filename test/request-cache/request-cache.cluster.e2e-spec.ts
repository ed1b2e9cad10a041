import { afterAll, beforeAll } from '@jest/globals';
import { RedisClusterFixture } from '../harness/index.js';
import { requestCacheBehaviour } from './request-cache-behaviour.js';

let cluster: RedisClusterFixture;
beforeAll(async () => {
  cluster = await RedisClusterFixture.start();
});
afterAll(async () => {
  await cluster?.stop();
});

requestCacheBehaviour('cluster', () => ({ cluster: { nodes: cluster.addresses } }));
