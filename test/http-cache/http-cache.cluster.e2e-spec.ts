import { afterAll, beforeAll } from '@jest/globals';
import { RedisClusterFixture } from '../harness/index.js';
import { httpCacheAdaptive } from './http-cache-adaptive.js';
import { httpCacheFeatures } from './http-cache-features.js';

let cluster: RedisClusterFixture;
beforeAll(async () => {
  cluster = await RedisClusterFixture.start();
});
afterAll(async () => {
  await cluster?.stop();
});

httpCacheFeatures('cluster', () => ({ cluster: { nodes: cluster.addresses } }));
httpCacheAdaptive('cluster', () => ({ cluster: { nodes: cluster.addresses } }));
