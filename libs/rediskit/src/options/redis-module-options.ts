import type { RedisConnectionOptions } from './connection-options.js';
import type { CodecOptions } from '../codec/codec.js';
import type { KeyspaceOptions } from '../keyspace/keyspace.js';
import type { CircuitBreakerOptions } from '../connection/circuit-breaker.js';
import type { MetricsOptions } from '../metrics/metrics.service.js';
import type { SessionOptions } from '../session/session.options.js';
import type { RateLimitOptions } from '../rate-limit/rate-limit.options.js';
import type { HealthOptions } from '../health/health.options.js';
import type { CacheOptions } from '../cache/cache.options.js';
import type { HttpCacheOptions } from '../http-cache/http-cache.options.js';
import type { PubSubOptions } from '../pubsub/pubsub.options.js';
import type { LockModuleOptions } from '../lock/lock.options.js';

/** Name of the connection used when none is given. */
export const DEFAULT_CONNECTION = 'default';

/**
 * Everything `RedisModule.forRoot()` accepts. Only `connection` is required.
 *
 * @example
 * RedisModule.forRoot({ connection: { url: 'redis://localhost:6379' }, keyspace: { prefix: 'shop' } })
 */
export interface RedisModuleOptions {
  /** The default connection. */
  connection: RedisConnectionOptions;
  /** Extra named connections, injectable with `@InjectRedis(name)`. */
  connections?: Record<string, RedisConnectionOptions>;
  /** How keys are built: `prefix:app:env:feature:id`. */
  keyspace?: KeyspaceOptions;
  /** How values are encoded. */
  codec?: CodecOptions;
  /** Fail fast while Redis is down; `false` turns it off. */
  circuitBreaker?: CircuitBreakerOptions | false;
  /** Prometheus metrics. */
  metrics?: MetricsOptions;
  /** Upper bound for waiting on `ready` at boot; defaults to `connection.connectTimeout`. */
  readyTimeout?: number;
  // Capability sections. Each capability folder owns the shape of its own section.
  cache?: CacheOptions;
  /** HTTP response caching (`ResponseCacheInterceptor`, `@CacheResponse`). */
  httpCache?: HttpCacheOptions;
  session?: SessionOptions;
  rateLimit?: RateLimitOptions;
  lock?: LockModuleOptions;
  pubsub?: PubSubOptions;
  health?: HealthOptions;
}
