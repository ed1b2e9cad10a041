import type { Duration } from '../options/duration.js';

/**
 * When {@link RedisMonitor} raises an alert. A threshold set to `false` is not checked.
 *
 * @example
 * health: { monitor: { thresholds: { memoryRatio: 0.8, minHitRatio: 0.5, opsPerSec: false } } }
 */
export interface MonitorThresholds {
  /** used_memory / maxmemory at or above this. @default 0.9; only when maxmemory is set */
  memoryRatio?: number | false;
  /** mem_fragmentation_ratio at or above this. @default 1.5; only once used_memory ≥ 64 MiB, below that the ratio is noise */
  fragmentationRatio?: number | false;
  /** Keys evicted during one interval, at or above this. @default 1: any eviction */
  evictions?: number | false;
  /** connected_clients / maxclients at or above this. @default 0.8 */
  clientsRatio?: number | false;
  /** Keyspace hit ratio during one interval below this, once it saw 100 lookups. @default off */
  minHitRatio?: number | false;
  /** instantaneous_ops_per_sec at or above this. @default off */
  opsPerSec?: number | false;
  /** New SLOWLOG entries during one interval, at or above this. @default 10 */
  slowlogEntries?: number | false;
}

/**
 * The Redis monitor: samples INFO and SLOWLOG of every connection on an interval, updates the
 * `redis_*` gauges, raises alerts, and logs commands slower than a threshold. Interval
 * sampling starts at boot when this section is present, else when something listens to the
 * monitor's `sample`, `alert`, `resolved` or `slowlog` events.
 *
 * @example
 * health: { monitor: { interval: '15s', slowOperationThreshold: '50ms' } }
 */
export interface MonitorOptions {
  /** Sample INFO / SLOWLOG on an interval. @default true; false: only `sampleNow()` */
  enabled?: boolean;
  /** How often to sample. @default `'30s'` */
  interval?: Duration;
  /** Read new SLOWLOG entries at each sample. @default true */
  slowlog?: boolean;
  /** Log commands of this application slower than this, with their namespace. @default `'100ms'`; false: never */
  slowOperationThreshold?: Duration | false;
  /** The connections to sample. @default all */
  connections?: string[];
  /** When to raise alerts. */
  thresholds?: MonitorThresholds;
}

/**
 * The `health` section of the module options: defaults of the health indicators and the monitor.
 *
 * @example
 * RedisModule.forRoot({ connection, health: { timeout: '500ms', maxLatencyMs: 100, monitor: { interval: '10s' } } })
 */
export interface HealthOptions {
  /** A check without an answer within this is down. @default `'1s'` */
  timeout?: Duration;
  /** A PING slower than this is down. @default only `timeout` applies */
  maxLatencyMs?: number;
  /**
   * used_memory / maxmemory at or above which the Redis indicator is down, when Redis cannot
   * evict (`maxmemory-policy noeviction`: writes fail with OOM).
   * @default 0.95
   */
  memoryThreshold?: number;
  /** The monitor; `false` turns sampling and slow-operation logging off. @default on, with the defaults of its options */
  monitor?: MonitorOptions | false;
}

declare module '../options/redis-module-options.js' {
  interface RedisModuleOptions {
    /** Health indicators and the Redis monitor. */
    health?: HealthOptions;
  }
}
