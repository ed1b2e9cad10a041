import { afterAll, beforeAll } from '@jest/globals';
import { Cluster } from 'ioredis';
import { RedisClusterFixture } from '../harness/index.js';
import { cacheAdaptive } from './cache-adaptive.js';
import { cacheFeatures } from './cache-features.js';
import { cacheHostileInput } from './cache-hostile.js';
import { cacheInstances } from './cache-instances.js';
import { cacheRecovery } from './cache-recovery.js';
import { cacheCoreProperties } from './cache-properties.js';
import { cacheTracking } from './cache-tracking.js';

let cluster: RedisClusterFixture;
beforeAll(async () => {
  cluster = await RedisClusterFixture.start();
});
afterAll(async () => {
  await cluster?.stop();
});

const connection = () => ({ cluster: { nodes: cluster.addresses } });
cacheCoreProperties('cluster', connection);
cacheFeatures('cluster', connection);
cacheInstances('cluster', connection);
cacheHostileInput('cluster', connection);
cacheAdaptive('cluster', connection);
cacheRecovery('cluster', connection);
cacheTracking('cluster', connection, () => cluster.nodes, () => new Cluster(cluster.addresses));
