import type { Provider } from '@nestjs/common';
import { CacheService } from '../cache/cache.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { RedisModuleOptions } from '../options/redis-module-options.js';
import { REDIS_MODULE_OPTIONS } from '../redis.constants.js';
import { HttpCacheService } from './http-cache.service.js';
import { ResponseCacheInterceptor } from './response-cache.interceptor.js';

/** The response cache's providers, registered by `RedisModule`. */
export const httpCacheProviders: Provider[] = [
  {
    provide: HttpCacheService,
    useFactory: (cache: CacheService, metrics: MetricsService, options: RedisModuleOptions) => new HttpCacheService(cache, metrics, options.httpCache),
    inject: [CacheService, MetricsService, REDIS_MODULE_OPTIONS],
  },
  ResponseCacheInterceptor,
];
