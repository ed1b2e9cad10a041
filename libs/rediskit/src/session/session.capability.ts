import { Codec } from '../codec/codec.js';
import { RedisRegistry } from '../connection/redis.registry.js';
import { Keyspace } from '../keyspace/keyspace.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { RedisModuleOptions } from '../options/redis-module-options.js';
import { REDIS_MODULE_OPTIONS } from '../redis.constants.js';
import { SessionEvents } from './session.events.js';
import { SessionGuard } from './session.guard.js';
import { SessionService } from './session.service.js';
import { defineCapability } from '../capability.js';
import { byNodeEnv } from '../options/by-node-env.js';
import { SESSION_ENV_DEFAULTS } from './session.settings.js';
import { SessionOptionsDto } from './session.options.dto.js';
import { Tracing } from '../tracing/tracing.js';

/** Sessions: `SessionService`, `SessionGuard` and the audit events. */
export const sessionCapability = defineCapability({
  section: 'session',
  optionsDto: SessionOptionsDto,
  fromEnv: (read, nodeEnv) => ({
    ttl: read.duration('SESSION_TTL') ?? byNodeEnv(SESSION_ENV_DEFAULTS, nodeEnv).ttl,
    maxPerUser: read.int('MAX_SESSIONS_PER_USER', 1) ?? byNodeEnv(SESSION_ENV_DEFAULTS, nodeEnv).maxPerUser,
  }),
  providers: [
    {
      provide: SessionEvents,
      useFactory: (options: RedisModuleOptions) => new SessionEvents(options.session?.onEvent),
      inject: [REDIS_MODULE_OPTIONS],
    },
    {
      provide: SessionService,
      useFactory: (registry: RedisRegistry, keyspace: Keyspace, codec: Codec, metrics: MetricsService, events: SessionEvents, options: RedisModuleOptions, tracing: Tracing) =>
        new SessionService(registry.get(options.session?.connection), options.session, { keyspace, codec, metrics, events, tracing }),
      inject: [RedisRegistry, Keyspace, Codec, MetricsService, SessionEvents, REDIS_MODULE_OPTIONS, Tracing],
    },
    SessionGuard,
  ],
});
