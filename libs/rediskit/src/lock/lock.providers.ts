import type { Provider } from '@nestjs/common';
import { RedisRegistry } from '../connection/redis.registry.js';
import { Keyspace } from '../keyspace/keyspace.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { RedisModuleOptions } from '../options/redis-module-options.js';
import { REDIS_MODULE_OPTIONS } from '../redis.constants.js';
import { LockService } from './lock.service.js';

/** Registered by `RedisModule`: `LockService` on the configured connection(s). */
export const lockProviders: Provider[] = [
  {
    provide: LockService,
    useFactory: (registry: RedisRegistry, keyspace: Keyspace, metrics: MetricsService, options: RedisModuleOptions) =>
      new LockService(registry, keyspace, metrics, options.lock),
    inject: [RedisRegistry, Keyspace, MetricsService, REDIS_MODULE_OPTIONS],
  },
];
