import type { Provider } from '@nestjs/common';
import { Codec } from '../codec/codec.js';
import { RedisRegistry } from '../connection/redis.registry.js';
import { Keyspace } from '../keyspace/keyspace.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { RedisModuleOptions } from '../options/redis-module-options.js';
import { REDIS_MODULE_OPTIONS } from '../redis.constants.js';
import { SessionEvents } from './session.events.js';
import { SessionGuard } from './session.guard.js';
import { SessionService } from './session.service.js';

/** The session providers, registered by `RedisModule`. Nothing here talks to Redis at boot. */
export const sessionProviders: Provider[] = [
  {
    provide: SessionEvents,
    useFactory: (options: RedisModuleOptions) => new SessionEvents(options.session?.onEvent),
    inject: [REDIS_MODULE_OPTIONS],
  },
  {
    provide: SessionService,
    useFactory: (registry: RedisRegistry, keyspace: Keyspace, codec: Codec, metrics: MetricsService, events: SessionEvents, options: RedisModuleOptions) =>
      new SessionService(registry.get(options.session?.connection), options.session, { keyspace, codec, metrics, events }),
    inject: [RedisRegistry, Keyspace, Codec, MetricsService, SessionEvents, REDIS_MODULE_OPTIONS],
  },
  SessionGuard,
];
