import { CacheService } from '../cache/index.js';
import { defineCapability } from '../capability.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { RedisModuleOptions } from '../options/redis-module-options.js';
import { REDIS_MODULE_OPTIONS } from '../redis.constants.js';
import { EdgePurgeService } from './edge-purge.service.js';
import { edgeFromEnv } from './edge.from-env.js';
import { EdgeOptionsDto } from './edge.options.dto.js';

/** Purges a CDN or Varnish (L3) when the cache invalidates: `EdgePurgeService`. */
export const edgeCapability = defineCapability({
  section: 'edge',
  optionsDto: EdgeOptionsDto,
  connections: () => ({}),
  fromEnv: (read) => edgeFromEnv(read),
  providers: [
    {
      provide: EdgePurgeService,
      useFactory: (cache: CacheService, metrics: MetricsService, options: RedisModuleOptions) =>
        new EdgePurgeService(cache, metrics, options.edge, options.httpCache?.namespace),
      inject: [CacheService, MetricsService, REDIS_MODULE_OPTIONS],
    },
  ],
});
