import type { Provider } from '@nestjs/common';
import { CacheService } from '../cache/cache.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { RedisModuleOptions } from '../options/redis-module-options.js';
import { REDIS_MODULE_OPTIONS } from '../redis.constants.js';
import { SessionService } from '../session/session.service.js';
import { HttpCacheService } from './http-cache.service.js';
import { ResponseCacheInterceptor } from './response-cache.interceptor.js';

/** The response cache's providers, registered by `RedisModule`. */
export const httpCacheProviders: Provider[] = [
  {
    provide: HttpCacheService,
    // The session capability tells which cookie or bearer is a session token (no Redis call).
    useFactory: (cache: CacheService, metrics: MetricsService, options: RedisModuleOptions, sessions: SessionService) =>
      new HttpCacheService(cache, metrics, options.httpCache, sessions),
    inject: [CacheService, MetricsService, REDIS_MODULE_OPTIONS, SessionService],
  },
  ResponseCacheInterceptor,
];
