import { HttpAdapterHost, ModuleRef } from '@nestjs/core';
import { CacheService } from '../cache/index.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { RedisModuleOptions } from '../options/redis-module-options.js';
import { REDIS_MODULE_OPTIONS } from '../redis.constants.js';
import { SessionService } from '../session/index.js';
import { HttpCacheService } from './http-cache.service.js';
import { ResponseCacheInterceptor } from './response-cache.interceptor.js';
import { defineCapability } from '../capability.js';
import { HttpCacheOptionsDto } from './http-cache.options.dto.js';
import { EarlyHitRoutes } from './early-hit.routes.js';

/** HTTP response caching: `HttpCacheService` and `ResponseCacheInterceptor`, on the cache. */
export const httpCacheCapability = defineCapability({
  section: 'httpCache',
  optionsDto: HttpCacheOptionsDto,
  providers: [
    {
      provide: HttpCacheService,
      // The session capability tells which cookie or bearer is a session token (no Redis call).
      // With earlyHits, the HTTP adapter's GET routes are wrapped before Nest registers them.
      useFactory: (cache: CacheService, metrics: MetricsService, options: RedisModuleOptions, sessions: SessionService, adapterHost: HttpAdapterHost, moduleRef: ModuleRef) =>
        new HttpCacheService(cache, metrics, options.httpCache, sessions, options.httpCache?.earlyHits ? new EarlyHitRoutes(adapterHost, moduleRef) : undefined),
      inject: [CacheService, MetricsService, REDIS_MODULE_OPTIONS, SessionService, HttpAdapterHost, ModuleRef],
    },
    ResponseCacheInterceptor,
  ],
});
