import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type { ClusterOptions, RedisOptions } from 'ioredis';
import type { Duration } from './duration.js';

/** Host and port of a Redis node or sentinel. */
export interface RedisNodeAddress {
  host: string;
  port: number;
}

/** How a connection behaves when Redis is slow or away. All optional; defaults depend on NODE_ENV. */
export interface ConnectionTuning {
  /** Time allowed for one TCP connect (and for boot to reach `ready`). @default `'10s'`, `'2s'` in tests */
  connectTimeout?: Duration;
  /**
   * While commands wait, a connection that receives no reply bytes for this long is declared
   * dead: the waiting commands fail and it reconnects (a hung or SIGSTOPped server). One timer
   * per connection, so it costs nothing on the hot path.
   * @default `'2s'` in development, `'1s'` in production and tests
   */
  commandTimeout?: Duration;
  /**
   * A strict deadline per command (ioredis `commandTimeout`): one timer per command, about
   * 10% of GET throughput (bench `core`).
   * @default off
   */
  perCommandTimeout?: Duration;
  /** How many reconnects a queued command waits through before it fails. @default 3 in development, 2 in production, 1 in tests */
  maxRetriesPerRequest?: number;
  /** TCP keep-alive initial delay; 0 turns it off. @default `'30s'`, 0 in tests */
  keepAlive?: Duration;
  /** Reconnect backoff: exponential from `baseDelay`, capped at `maxDelay`, with full jitter. */
  reconnect?: {
    /** @default 50 ms */
    baseDelay?: Duration;
    /** @default 500 ms, 250 ms in tests */
    maxDelay?: Duration;
  };
  /** Escape hatch: extra ioredis options merged last. @default none */
  redisOptions?: Partial<RedisOptions>;
}

/** ACL credentials and TLS, shared by every topology. */
export interface ConnectionAuth {
  /** ACL user. @default `default` (Redis' own default user) */
  username?: string;
  /** Never logged, never in errors or health output. @default none */
  password?: string;
  /** `true` for TLS with Node's defaults, or node:tls options (ca, cert, servername...). @default false */
  tls?: boolean | TlsOptions;
}

/** One Redis server: `{ url }` or `{ host, port }`. */
export interface StandaloneConnectionOptions extends ConnectionAuth, ConnectionTuning {
  /** A `redis://` or `rediss://` URL instead of `host` and `port`. @default none */
  url?: string;
  /** @default `127.0.0.1` */
  host?: string;
  /** @default 6379 */
  port?: number;
  /** Logical database (standalone and sentinel only). @default 0 */
  db?: number;
}

/** A master discovered through Sentinel. */
export interface SentinelConnectionOptions extends ConnectionAuth, ConnectionTuning {
  sentinels: RedisNodeAddress[];
  /** The master group name sentinels monitor. */
  name: string;
  /** ACL user of the sentinels. @default none */
  sentinelUsername?: string;
  /** Password of the sentinels. @default none */
  sentinelPassword?: string;
  /** Logical database. @default 0 */
  db?: number;
}

/** A Redis Cluster: seed nodes plus any ioredis ClusterOptions. */
export interface ClusterConnectionOptions extends ConnectionAuth, ConnectionTuning {
  cluster: { nodes: RedisNodeAddress[] } & Omit<ClusterOptions, 'redisOptions'>;
}

export type RedisConnectionOptions =
  | StandaloneConnectionOptions
  | SentinelConnectionOptions
  | ClusterConnectionOptions;

export type ConnectionKind = 'standalone' | 'sentinel' | 'cluster';

export function connectionKind(options: RedisConnectionOptions): ConnectionKind {
  if ('cluster' in options && options.cluster) return 'cluster';
  if ('sentinels' in options && options.sentinels) return 'sentinel';
  return 'standalone';
}
