import type { Provider } from '@nestjs/common';
import { RedisRegistry } from '../connection/redis.registry.js';
import { Keyspace } from '../keyspace/keyspace.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { REDIS_MODULE_OPTIONS } from '../redis.constants.js';
import { RateLimitGuard } from './rate-limit.guard.js';
import { RateLimiterService } from './rate-limiter.service.js';
import { RediskitThrottlerStorage } from './rediskit-throttler.storage.js';

/** Rate limiting's providers, registered (and exported) by RedisModule. */
export const rateLimitProviders: Provider[] = [
  { provide: RateLimiterService, useFactory: RateLimiterService.create, inject: [RedisRegistry, Keyspace, MetricsService, REDIS_MODULE_OPTIONS] },
  RateLimitGuard,
  RediskitThrottlerStorage,
];
