import { afterAll, beforeAll } from '@jest/globals';
import { Redis } from 'ioredis';
import { RedisServer } from '../harness/index.js';
import { cacheAdaptive } from './cache-adaptive.js';
import { cacheFeatures } from './cache-features.js';
import { cacheHostileInput } from './cache-hostile.js';
import { cacheInstances } from './cache-instances.js';
import { cacheRecovery } from './cache-recovery.js';
import { cacheCoreProperties } from './cache-properties.js';
import { cacheTracking } from './cache-tracking.js';

let server: RedisServer;
beforeAll(async () => {
  server = await RedisServer.start();
});
afterAll(async () => {
  await server?.stop();
});

cacheCoreProperties('standalone', () => ({ url: server.url }));
cacheFeatures('standalone', () => ({ url: server.url }));
cacheInstances('standalone', () => ({ url: server.url }));
cacheHostileInput('standalone', () => ({ url: server.url }));
cacheAdaptive('standalone', () => ({ url: server.url }));
cacheRecovery('standalone', () => ({ url: server.url }));
cacheTracking(
  'standalone',
  () => ({ url: server.url }),
  () => [server],
  () => new Redis(server.url),
  () => server.restart(),
);
