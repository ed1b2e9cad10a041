// The public API of nestjs-rediskit: the documented surface, and nothing else (docs/api.md
// lists it). Internals are reached by path in this repository's tests and benchmarks only.
// Integrations that need an optional peer are on subpaths: 'nestjs-rediskit/express-session'
// and 'nestjs-rediskit/throttler'.

// The module, its options and errors.
export { RedisModule, type RedisModuleSyncOptions, type RedisModuleAsyncOptions } from './redis.module.js';
export { redisOptionsFromEnv } from './redis-options.from-env.js';
export { DEFAULT_CONNECTION, type RedisModuleOptions } from './options/redis-module-options.js';
export type { RedisConnectionOptions, StandaloneConnectionOptions, SentinelConnectionOptions, ClusterConnectionOptions, RedisNodeAddress, ConnectionAuth, ConnectionTuning, ConnectionKind } from './options/connection-options.js';
export type { Duration } from './options/duration.js';
export * from './errors.js';

// Connections, keys, values, scripts and metrics: the core.
export { InjectRedis, getRedisToken } from './connection/inject-redis.decorator.js';
export { RedisRegistry } from './connection/redis.registry.js';
export type { RedisConnection } from './connection/redis-connection.js';
export type { CircuitBreaker, CircuitBreakerOptions, CircuitStateName } from './connection/circuit-breaker.js';
export type { RedisClient } from './connection/client.factory.js';
export { Keyspace, type KeyspaceOptions, type KeyPart } from './keyspace/keyspace.js';
export { Codec, type CodecOptions } from './codec/codec.js';
export type { Serializer } from './codec/serializers.js';
export type { Compressor, CompressionOptions } from './codec/compression.js';
export { defineScript, type LuaScript } from './scripts/lua-script.js';
export { MetricsService, type MetricsOptions, type MetricsRegistry } from './metrics/metrics.service.js';
export type { TracingOptions } from './tracing/tracing.options.js';
export type { CounterMetric, GaugeMetric, HistogramMetric, BoundCounter, BoundGauge, BoundHistogram, Labels } from './metrics/metrics.service.js';

// Request context: the request id and per-request memory, for HTTP, microservices and jobs.
export { runInRequestContext, currentRequestId, type RequestContextInit } from './context/request-context.js';
export { RequestCache } from './request-cache/request-cache.service.js';
export { RequestCached, type RequestCachedOptions } from './request-cache/request-cached.decorator.js';
export type { RequestCacheOptions } from './request-cache/request-cache.options.js';

// Cache.
export { CacheService } from './cache/cache.service.js';
export type { CacheNamespace, CacheEntryInput, CacheWarmInput, QueryDescriptor } from './cache/cache.namespace.js';
export type {
  CacheOptions,
  CacheSetOptions,
  CacheGetOptions,
  LoaderTimeout,
  PersistFn,
  CacheLoader,
  CacheLoaderContext,
  CacheAdaptation,
  InvalidateOptions,
  InvalidationOutcome,
  OnUnreachable,
  CacheInvalidatedEvent,
} from './cache/cache.options.js';
export type { CacheStatsSnapshot, NamespaceStats } from './cache/cache-stats.js';
export { Cacheable, CachePut, CacheEvict, type CacheableOptions, type CacheEvictOptions } from './cache/cache.decorators.js';
export type { CacheKeyTemplate, CacheTagsTemplate } from './cache/cache-key-template.js';
export type { WriteBehindStats } from './cache/write-behind.queue.js';

// HTTP response caching.
export { ResponseCacheInterceptor } from './http-cache/response-cache.interceptor.js';
export { CacheResponse, NoCache, InvalidateTags, type InvalidationTag } from './http-cache/http-cache.decorators.js';
export { HttpCacheService } from './http-cache/http-cache.service.js';
export type { HttpCacheOptions, CacheResponseOptions, IdentifyFn, ResponseTags, ResponseAdaptation } from './http-cache/http-cache.options.js';
export { responseKey, type KeyInput } from './http-cache/http-cache.key.js';
export type { RouteCounts, HttpCacheResult, SkipReason } from './http-cache/http-cache.metrics.js';

// Edge (L3): purging a CDN or Varnish.
export { EdgePurgeService, type EdgePurgeStats } from './edge/edge-purge.service.js';
export type { EdgePurgeAdapter } from './edge/edge.adapter.js';
export type { EdgeOptions, VarnishEdgeOptions, FastlyEdgeOptions, CloudflareEdgeOptions, EdgePurgeTriggers, EdgeRetryOptions } from './edge/edge.options.js';
export { sendPurge } from './edge/purge-request.js';

// Sessions.
export { SessionService, isVerifiedAt } from './session/session.service.js';
export { SessionGuard } from './session/session.guard.js';
export { Public, CurrentSession, RequireStepUp, RefuseDegraded, sessionOf } from './session/session.decorators.js';
export { SessionEvents } from './session/session.events.js';
export { bearerToken } from './session/session.request.js';
export type { SessionOptions, SessionCookieOptions, SessionBindingOptions, SessionStoreOptions, RiskAssessor, DegradedSignInOptions } from './session/session.options.js';
export type { Session, SessionInfo, SessionClient, CreateSessionOptions, CreatedSession, SessionEvent, SessionEventType } from './session/session.types.js';

// Rate limiting.
export { RateLimiterService } from './rate-limit/rate-limiter.service.js';
export { RateLimitGuard } from './rate-limit/rate-limit.guard.js';
export { RateLimit, SkipRateLimit } from './rate-limit/rate-limit.decorator.js';
export { RateLimitPresets, type RateLimitPresetName } from './rate-limit/rate-limit.presets.js';
export { RateLimitExceededException, RateLimiterUnavailableException } from './rate-limit/rate-limit.exceptions.js';
export { clientIp } from './rate-limit/client-ip.js';
export { RATE_LIMIT_ALGORITHMS, type RateLimitAlgorithm, type RateLimitPolicy, type RateLimitDecision, type RateLimitFailurePolicy } from './rate-limit/rate-limit.policy.js';
export type { RateLimitOptions, RateLimitRule, RateLimitKey, RateLimitHeaderOptions } from './rate-limit/rate-limit.options.js';

// Locks.
export { LockService, type LockContext } from './lock/lock.service.js';
export type { Lock } from './lock/lock.js';
export { WithLock, type WithLockDecoratorOptions } from './lock/with-lock.decorator.js';
export type { LockKey } from './lock/lock-key.js';
export { LockPresets, type LockPresetName } from './lock/lock.presets.js';
export type { LockOptions, WithLockOptions, LockRetryOptions, LockModuleOptions, RedlockOptions } from './lock/lock.options.js';

// Pub/Sub.
export { PubSubService, type PublishOptions } from './pubsub/pubsub.service.js';
export { OnMessage, type OnMessageTarget } from './pubsub/on-message.decorator.js';
export type { MessageHandler, MessageContext, SubscribeOptions, Unsubscribe } from './pubsub/pubsub.subscriber.js';
export type { Envelope } from './pubsub/pubsub.envelope.js';
export type { UserInbox, InboxFetchOptions } from './pubsub/user-inbox.js';
export type { PubSubOptions, InboxOptions } from './pubsub/pubsub.options.js';

// Geo: positions that expire.
export { GeoService } from './geo/geo.service.js';
export type { GeoCollection } from './geo/geo.collection.js';
export type { GeoMember, NearbyOptions, GeoCollectionOptions } from './geo/geo.types.js';
export type { GeoUnit } from './geo/geo.arguments.js';
export type { GeoOptions } from './geo/geo.options.js';

// Reservations: stock with expiring holds.
export { ReservationService } from './reservation/reservation.service.js';
export type { Hold, HoldOutcome, ReserveOptions, SetStockOptions, StockLevel } from './reservation/reservation.types.js';
export type { ReservationOptions } from './reservation/reservation.options.js';

// Idempotent requests: the Idempotency-Key header.
export { Idempotent } from './idempotency/idempotent.decorator.js';
export { IdempotencyInterceptor } from './idempotency/idempotency.interceptor.js';
export { IdempotencyService } from './idempotency/idempotency.service.js';
export { IdempotencyException } from './idempotency/idempotency.exceptions.js';
export type { IdempotencyOptions, IdempotentOptions, IdempotencyIdentifyFn, IdempotencyFailurePolicy } from './idempotency/idempotency.options.js';
// Invalidation from the database: PostgreSQL triggers NOTIFY, one listener invalidates tags.
export { DatabaseInvalidationService } from './db-invalidation/db-invalidation.service.js';
export { changeTriggersSql, installChangeTriggers, type WatchedTable, type WatchedTableInput, type SqlRunner } from './db-invalidation/change-triggers.js';
export type { RowChange } from './db-invalidation/change-payload.js';
export type { ChangeSourceClient, PgListenClient, PgliteListenClient } from './db-invalidation/change-feed.js';
export type { DatabaseInvalidationOptions } from './db-invalidation/db-invalidation.options.js';

// Health, metrics and monitoring.
export { RedisHealthIndicator, type RedisHealthCheckOptions, type RoundTripOptions, type RoundTripDetails, type RedisHealthResult, type RoundTripResult } from './health/redis.health-indicator.js';
export { CacheHealthIndicator, SessionHealthIndicator } from './health/store.health-indicators.js';
export type { RedisHealthDetails } from './health/redis.probe.js';
export { RedisMonitor, type RedisMonitorEvents } from './health/redis.monitor.js';
export type { SlowlogEntry } from './health/node-sampler.js';
export type { RedisSample, RedisAlert, AlertName } from './health/monitor.alerts.js';
export type { HealthOptions, MonitorOptions, MonitorThresholds } from './health/health.options.js';
export type { IndicatorResult } from './health/health-indicator.loader.js';
export type { SlowCommand } from './metrics/command.instrumentation.js';

// Event-driven invalidation: rules that map domain events to what they invalidate, on every instance.
export { InvalidationService } from './invalidation/invalidation.service.js';
export type { EmitOutcome } from './invalidation/invalidation.service.js';
export type { InvalidationRule, FromEvent } from './invalidation/invalidation.rules.js';
export type { InvalidationOptions } from './invalidation/invalidation.options.js';
