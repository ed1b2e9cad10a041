// The public API of nestjs-rediskit: everything a user imports comes from here.
export * from './errors.js';
export { RedisModule, type RedisModuleSyncOptions, type RedisModuleAsyncOptions } from './redis.module.js';
export { REDIS_MODULE_OPTIONS } from './redis.constants.js';

export * from './options/redis-module-options.js';
export * from './options/connection-options.js';
export { redisOptionsFromEnv, ENV_DEFAULTS } from './options/options.from-env.js';
export { CONNECTION_DEFAULTS, connectionDefaults } from './options/connection-defaults.js';
export { toMs, type Duration } from './options/duration.js';
export { validateModuleOptions } from './options/options.validation.js';

export { InjectRedis, getRedisToken } from './connection/inject-redis.decorator.js';
export { RedisRegistry } from './connection/redis.registry.js';
export { RedisConnection } from './connection/redis-connection.js';
export { CircuitBreaker, type CircuitBreakerOptions, type CircuitStateName } from './connection/circuit-breaker.js';
export type { RedisClient } from './connection/client.factory.js';
export { scanKeys, unlinkMatching } from './connection/scan.js';

export { Keyspace, KeyScope, encodeKeyPart, type KeyspaceOptions, type KeyPart } from './keyspace/keyspace.js';
export { Codec, type CodecOptions } from './codec/codec.js';
export type { Serializer } from './codec/serializers.js';
export type { Compressor, CompressionOptions } from './codec/compression.js';
export { defineScript, type LuaScript } from './scripts/lua-script.js';
export { MetricsService, type MetricsOptions, type MetricsRegistry } from './metrics/metrics.service.js';

// Cache: CacheService (multi-layer, tags, bus, stampede protection), namespaces, errors.
export { CacheService, DEFAULT_CACHE_NAMESPACE } from './cache/cache.service.js';
export { CacheNamespace, type CacheEntryInput, type CacheWarmInput, type QueryDescriptor } from './cache/cache.namespace.js';
export type { CacheOptions, CacheSetOptions, CacheGetOptions, LoaderTimeout, PersistFn } from './cache/cache.options.js';
export type { CacheStatsSnapshot, NamespaceStats } from './cache/cache-stats.js';
export { RediskitValueTooLargeError, RediskitLoaderTimeoutError, RediskitInvalidationError } from './cache/cache.errors.js';
export { stableHash } from './cache/stable-hash.js';
export { Cacheable, CachePut, CacheEvict, type CacheableOptions, type CacheEvictOptions } from './cache/cache.decorators.js';
export type { CacheKeyTemplate, CacheTagsTemplate } from './cache/cache-key-template.js';
export type { WriteBehindStats } from './cache/write-behind.queue.js';

// Locks: LockService, Lock, @WithLock, presets, errors.
export { LockService, type LockContext } from './lock/lock.service.js';
export { Lock } from './lock/lock.js';
export { WithLock, type WithLockDecoratorOptions } from './lock/with-lock.decorator.js';
export type { LockKey } from './lock/lock-key.js';
export { LockPresets, type LockPresetName } from './lock/lock.presets.js';
export { LockNotAcquiredError, LockLostError } from './lock/lock.errors.js';
export type { LockOptions, WithLockOptions, LockRetryOptions, LockModuleOptions, RedlockOptions } from './lock/lock.options.js';

// Pub/Sub: PubSubService, @OnMessage, envelopes, user inbox.
export { PubSubService, type PublishOptions } from './pubsub/pubsub.service.js';
export { RediskitMessageTooLargeError } from './pubsub/pubsub.errors.js';
export { OnMessage, type OnMessageTarget } from './pubsub/on-message.decorator.js';
export type { MessageHandler, MessageContext, SubscribeOptions, Unsubscribe } from './pubsub/pubsub.subscriber.js';
export type { Envelope } from './pubsub/pubsub.envelope.js';
export { UserInbox, type InboxFetchOptions } from './pubsub/user-inbox.js';
export { PubSubChannels, type ChannelKind } from './pubsub/pubsub.channels.js';
export type { PubSubOptions, InboxOptions } from './pubsub/pubsub.options.js';

// Health and metrics: terminus indicators (optional peer), the Redis monitor, core connection metrics.
export { RedisHealthIndicator, type RedisHealthCheckOptions, type RoundTripOptions, type RoundTripDetails, type RedisHealthResult, type RoundTripResult } from './health/redis.health-indicator.js';
export { CacheHealthIndicator, SessionHealthIndicator } from './health/store.health-indicators.js';
export type { RedisHealthDetails } from './health/redis.probe.js';
export { RedisMonitor, type RedisMonitorEvents, type SlowlogEntry } from './health/redis.monitor.js';
export { alertsOf, type RedisSample, type RedisAlert, type AlertName } from './health/monitor.alerts.js';
export { HEALTH_DEFAULTS, type HealthOptions, type MonitorOptions, type MonitorThresholds } from './health/health.options.js';
export { HEALTH_INDICATOR_SERVICE, type IndicatorResult } from './health/health-indicator.loader.js';
export { RedisConnectionMetrics, COMMAND_BUCKETS } from './metrics/connection.metrics.js';
export type { SlowCommand } from './metrics/command.instrumentation.js';
export type { CounterMetric, GaugeMetric, HistogramMetric, BoundCounter, BoundGauge, BoundHistogram, Labels } from './metrics/metrics.service.js';

// Rate limiting: RateLimiterService (5 algorithms), RateLimitGuard, @RateLimit, presets.
// The @nestjs/throttler storage is on the subpath 'nestjs-rediskit/throttler'.
export { RateLimiterService, RATE_LIMIT_FEATURE } from './rate-limit/rate-limiter.service.js';
export { RateLimitGuard } from './rate-limit/rate-limit.guard.js';
export { RateLimit, SkipRateLimit } from './rate-limit/rate-limit.decorator.js';
export { RateLimitPresets, type RateLimitPresetName } from './rate-limit/rate-limit.presets.js';
export { RateLimitExceededException, RateLimiterUnavailableException } from './rate-limit/rate-limit.exceptions.js';
export { MemoryRateLimiter } from './rate-limit/memory-rate-limiter.js';
export { clientIp, normalizeIp } from './rate-limit/client-ip.js';
export { RATE_LIMIT_ALGORITHMS, type RateLimitAlgorithm, type RateLimitPolicy, type RateLimitDecision, type RateLimitFailurePolicy } from './rate-limit/rate-limit.policy.js';
export type { RateLimitOptions, RateLimitRule, RateLimitKey, RateLimitHeaderOptions } from './rate-limit/rate-limit.options.js';

// Sessions: SessionService, SessionGuard, @Public, @CurrentSession, @RequireStepUp.
// The express-session store is on the subpath 'nestjs-rediskit/express-session'.
export { SessionService, isVerifiedAt, type SessionServiceDeps } from './session/session.service.js';
export { SessionGuard } from './session/session.guard.js';
export { Public, CurrentSession, RequireStepUp } from './session/session.decorators.js';
export { SessionEvents } from './session/session.events.js';
export { IS_PUBLIC_KEY, STEP_UP_KEY, SESSION_REQUEST_KEY, SESSION_TOKEN_REQUEST_KEY } from './session/session.constants.js';
export { clientOf, fingerprintOf, bearerToken, type RequestLike } from './session/session.request.js';
export type { SessionSettings } from './session/session.settings.js';
export type { SessionOptions, SessionCookieOptions, SessionBindingOptions, SessionStoreOptions, RiskAssessor } from './session/session.options.js';
export type { Session, SessionInfo, SessionClient, CreateSessionOptions, CreatedSession, SessionEvent, SessionEventType } from './session/session.types.js';

// HTTP response caching: ResponseCacheInterceptor, @CacheResponse / @NoCache / @InvalidateTags, HttpCacheService (purges, CDN hook).
export { ResponseCacheInterceptor } from './http-cache/response-cache.interceptor.js';
export { CacheResponse, NoCache, InvalidateTags, type InvalidationTag } from './http-cache/http-cache.decorators.js';
export { HttpCacheService } from './http-cache/http-cache.service.js';
export type { HttpCacheOptions, CacheResponseOptions, IdentifyFn, ResponseTags } from './http-cache/http-cache.options.js';
export { defaultIdentify, DEFAULT_STORE_HEADERS, DEFAULT_CREDENTIAL_COOKIES, type HttpCacheSettings } from './http-cache/http-cache.settings.js';
export { responseKey, canonicalQuery, splitTarget, type KeyInput, type TargetSyntax } from './http-cache/http-cache.key.js';
export { RequestCredentials, type SessionTokenReader } from './http-cache/http-cache.credentials.js';
export type { StoredResponse } from './http-cache/stored-response.js';
export type { RouteCounts, HttpCacheResult, SkipReason } from './http-cache/http-cache.metrics.js';
export { CACHE_RESPONSE_KEY, NO_CACHE_KEY, INVALIDATE_TAGS_KEY } from './http-cache/http-cache.constants.js';
