import type { Provider } from '@nestjs/common';
import { Codec } from '../codec/codec.js';
import { RedisRegistry } from '../connection/redis.registry.js';
import { Keyspace } from '../keyspace/keyspace.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { RedisModuleOptions } from '../options/redis-module-options.js';
import { REDIS_MODULE_OPTIONS } from '../redis.constants.js';
import { CacheService } from './cache.service.js';

/** The cache's providers, registered by `RedisModule`. */
export const cacheProviders: Provider[] = [
  {
    provide: CacheService,
    useFactory: (registry: RedisRegistry, keyspace: Keyspace, codec: Codec, metrics: MetricsService, options: RedisModuleOptions) =>
      CacheService.create(registry, keyspace, codec, metrics, options.cache),
    inject: [RedisRegistry, Keyspace, Codec, MetricsService, REDIS_MODULE_OPTIONS],
  },
];
