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
  /** Time allowed for one TCP connect (and for boot to reach `ready`). */
  connectTimeout?: Duration;
  /**
   * While commands wait, a connection that receives no reply bytes for this long is declared
   * dead: the waiting commands fail and it reconnects (a hung or SIGSTOPped server). One timer
   * per connection, so it costs nothing on the hot path.
   */
  commandTimeout?: Duration;
  /**
   * A strict deadline per command (ioredis `commandTimeout`): one timer per command, about
   * 10% of GET throughput (bench `core`). Off unless set.
   */
  perCommandTimeout?: Duration;
  /** How many reconnects a queued command waits through before it fails. */
  maxRetriesPerRequest?: number;
  /** TCP keep-alive initial delay; 0 turns it off. */
  keepAlive?: Duration;
  /** Reconnect backoff: exponential from `baseDelay`, capped at `maxDelay`, with full jitter. */
  reconnect?: { baseDelay?: Duration; maxDelay?: Duration };
  /** Escape hatch: extra ioredis options merged last. */
  redisOptions?: Partial<RedisOptions>;
}

/** ACL credentials and TLS, shared by every topology. */
export interface ConnectionAuth {
  username?: string;
  password?: string;
  /** `true` for default TLS, or node:tls options (ca, cert, servername...). */
  tls?: boolean | TlsOptions;
}

/** One Redis server: `{ url }` or `{ host, port }`. */
export interface StandaloneConnectionOptions extends ConnectionAuth, ConnectionTuning {
  url?: string;
  host?: string;
  port?: number;
  db?: number;
}

/** A master discovered through Sentinel. */
export interface SentinelConnectionOptions extends ConnectionAuth, ConnectionTuning {
  sentinels: RedisNodeAddress[];
  /** The master group name sentinels monitor. */
  name: string;
  sentinelUsername?: string;
  sentinelPassword?: string;
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
