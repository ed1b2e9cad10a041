import { Codec } from '../codec/codec.js';
import { RedisRegistry } from '../connection/redis.registry.js';
import { Keyspace } from '../keyspace/keyspace.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { RedisModuleOptions } from '../options/redis-module-options.js';
import { REDIS_MODULE_OPTIONS } from '../redis.constants.js';
import { CacheService } from './cache.service.js';
import { defineCapability } from '../capability.js';
import { byNodeEnv } from '../options/by-node-env.js';
import { CacheOptionsDto } from './cache.options.dto.js';
import { CACHE_ENV_DEFAULTS } from './cache.settings.js';
import { Tracing } from '../tracing/tracing.js';

/** The cache: `CacheService` (its invalidation bus connects at boot when the `cache` section is present). */
export const cacheCapability = defineCapability({
  section: 'cache',
  optionsDto: CacheOptionsDto,
  fromEnv: (read, nodeEnv) => ({ defaultTtl: read.duration('CACHE_DEFAULT_TTL') ?? byNodeEnv(CACHE_ENV_DEFAULTS, nodeEnv).defaultTtl }),
  providers: [
    {
      provide: CacheService,
      useFactory: (registry: RedisRegistry, keyspace: Keyspace, codec: Codec, metrics: MetricsService, options: RedisModuleOptions, tracing: Tracing) =>
        CacheService.create(registry, keyspace, codec, metrics, options.cache, tracing),
      inject: [RedisRegistry, Keyspace, Codec, MetricsService, REDIS_MODULE_OPTIONS, Tracing],
    },
  ],
});
