import { RedisRegistry } from '../connection/redis.registry.js';
import { Keyspace } from '../keyspace/keyspace.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { REDIS_MODULE_OPTIONS } from '../redis.constants.js';
import { RateLimitGuard } from './rate-limit.guard.js';
import { RateLimiterService } from './rate-limiter.service.js';
import { RediskitThrottlerStorage } from './rediskit-throttler.storage.js';
import { defineCapability } from '../capability.js';
import { RateLimitOptionsDto } from './rate-limit.options.dto.js';
import { Tracing } from '../tracing/tracing.js';

/** Rate limiting: `RateLimiterService`, `RateLimitGuard`, and the storage for @nestjs/throttler. */
export const rateLimitCapability = defineCapability({
  section: 'rateLimit',
  optionsDto: RateLimitOptionsDto,
  providers: [
    { provide: RateLimiterService, useFactory: RateLimiterService.create, inject: [RedisRegistry, Keyspace, MetricsService, REDIS_MODULE_OPTIONS, Tracing] },
    RateLimitGuard,
    RediskitThrottlerStorage,
  ],
});
