import { Inject, Injectable } from '@nestjs/common';
import type { RedisModuleOptions } from '../options/redis-module-options.js';
import { REDIS_MODULE_OPTIONS } from '../redis.constants.js';
import { RedisHealthIndicator, type RoundTripResult } from './redis.health-indicator.js';

/**
 * The cache's store is healthy when a health key in the `cache` namespace can be written, read
 * back and deleted on the cache's connection (`cache.connection`). It needs only Redis, not the
 * CacheService, so it also tells whether the cache *could* work while the service is degraded.
 *
 * @example
 * () => this.cacheHealth.isHealthy('cache', { timeout: '300ms' })
 */
@Injectable()
export class CacheHealthIndicator {
  constructor(
    private readonly redis: RedisHealthIndicator,
    @Inject(REDIS_MODULE_OPTIONS) private readonly options: RedisModuleOptions,
  ) {}

  isHealthy<const Key extends string>(key: Key, options: { timeout?: number | string } = {}): Promise<RoundTripResult<Key>> {
    return this.redis.roundTrip(key, { ...options, namespace: 'cache', connection: this.options.cache?.connection });
  }
}

/**
 * The session store is healthy when a health key in the `session` namespace can be written,
 * read back and deleted on the sessions' connection (`session.connection`).
 *
 * @example
 * () => this.sessionHealth.isHealthy('sessions')
 */
@Injectable()
export class SessionHealthIndicator {
  constructor(
    private readonly redis: RedisHealthIndicator,
    @Inject(REDIS_MODULE_OPTIONS) private readonly options: RedisModuleOptions,
  ) {}

  isHealthy<const Key extends string>(key: Key, options: { timeout?: number | string } = {}): Promise<RoundTripResult<Key>> {
    return this.redis.roundTrip(key, { ...options, namespace: 'session', connection: this.options.session?.connection });
  }
}
