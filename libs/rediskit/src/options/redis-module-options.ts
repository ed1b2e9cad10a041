import type { RedisConnectionOptions } from './connection-options.js';
import type { CodecOptions } from '../codec/codec.js';
import type { KeyspaceOptions } from '../keyspace/keyspace.js';
import type { CircuitBreakerOptions } from '../connection/circuit-breaker.js';
import type { MetricsOptions } from '../metrics/metrics.service.js';
import type { TracingOptions } from '../tracing/tracing.options.js';

/** Name of the connection used when none is given. */
export const DEFAULT_CONNECTION = 'default';

/**
 * Everything `RedisModule.forRoot()` accepts. Only `connection` is required.
 *
 * The core options are declared here; each capability adds its own section (`cache`,
 * `session`, `rateLimit`...) to this interface from its folder (`<capability>.options.ts`,
 * by declaration merging), so the core never names a capability.
 *
 * @example
 * RedisModule.forRoot({ connection: { url: 'redis://localhost:6379' }, keyspace: { prefix: 'shop' } })
 */
export interface RedisModuleOptions {
  /** The default connection. */
  connection: RedisConnectionOptions;
  /** Extra named connections, injectable with `@InjectRedis(name)`. @default none */
  connections?: Record<string, RedisConnectionOptions>;
  /** How keys are built: `prefix:app:env:feature:id`. */
  keyspace?: KeyspaceOptions;
  /** How values are encoded. */
  codec?: CodecOptions;
  /** Fail fast while Redis is down; `false` turns it off. @default on, with the defaults of its options */
  circuitBreaker?: CircuitBreakerOptions | false;
  /** Prometheus metrics. */
  metrics?: MetricsOptions;
  /** OpenTelemetry spans of cache, lock, rate-limit, session and pub/sub operations (needs `@opentelemetry/api`). */
  tracing?: TracingOptions;
  /**
   * Run every HTTP request in a request context (`X-Request-Id` in and out, `currentRequestId()`,
   * the request id in the library's log lines, the request cache). On Node 20 it costs every
   * request some CPU (AsyncLocalStorage: docs/request-cache.md), so it is on only where used;
   * `false` keeps it off even then (request-cached calls then run uncached).
   * @default on when the application uses the request cache (a `requestCache` section, `@RequestCached`, an injected `RequestCache`), else off
   */
  requestContext?: boolean;
  /** Upper bound for waiting on `ready` at boot, in ms. @default `connection.connectTimeout` */
  readyTimeout?: number;
}
