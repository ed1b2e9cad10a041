import { RedisRegistry } from '../connection/redis.registry.js';
import { Keyspace } from '../keyspace/keyspace.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { RedisModuleOptions } from '../options/redis-module-options.js';
import { REDIS_MODULE_OPTIONS } from '../redis.constants.js';
import { LockService } from './lock.service.js';
import { defineCapability } from '../capability.js';
import { LockModuleOptionsDto } from './lock.options.js';
import { Tracing } from '../tracing/tracing.js';

/** Locks: `LockService` on the configured connection, or on several in Redlock mode. */
export const lockCapability = defineCapability({
  section: 'lock',
  optionsDto: LockModuleOptionsDto,
  connections: (lock) => ({ connection: lock.connection, 'redlock.connections': lock.redlock?.connections }),
  providers: [
    {
      provide: LockService,
      useFactory: (registry: RedisRegistry, keyspace: Keyspace, metrics: MetricsService, options: RedisModuleOptions, tracing: Tracing) =>
        new LockService(registry, keyspace, metrics, options.lock, tracing),
      inject: [RedisRegistry, Keyspace, MetricsService, REDIS_MODULE_OPTIONS, Tracing],
    },
  ],
});
