import type { MonitorThresholds } from './health.options.js';
import { HEALTH_DEFAULTS } from './health.settings.js';

/** One INFO sample of one node, with what changed since the previous sample. */
export interface RedisSample {
  connection: string;
  /** `host:port` of the node (each master of a cluster is sampled). */
  node: string;
  /** When it was taken (ms since epoch). */
  at: number;
  usedMemory: number;
  /** 0 when no maxmemory is set. */
  maxMemory: number;
  /** usedMemory / maxMemory, null without a limit. */
  memoryRatio: number | null;
  fragmentationRatio: number;
  connectedClients: number;
  maxClients: number;
  opsPerSec: number;
  /** Keys evicted since the previous sample (0 on the first). */
  evictions: number;
  /** keyspace hits / (hits + misses) since the previous sample (since start on the first); null without lookups. */
  hitRatio: number | null;
  /** Lookups (hits + misses) the hit ratio is computed from. */
  lookups: number;
  /** SLOWLOG entries that appeared since the previous sample. */
  slowlogEntries: number;
}

export type AlertName = keyof MonitorThresholds;

/** A threshold crossed on a node. */
export interface RedisAlert {
  connection: string;
  node: string;
  alert: AlertName;
  value: number;
  threshold: number;
  message: string;
}

const MIN_LOOKUPS = 100;
const FRAGMENTATION_MIN_MEMORY = 64 * 1024 * 1024;

/**
 * The alerts a sample raises under `thresholds` (unset fields take the defaults).
 *
 * @example
 * alertsOf(sample, { memoryRatio: 0.8, opsPerSec: 50_000 }).map((a) => a.message)
 * // ['10.0.0.5:6379: memory at 83% of maxmemory']
 */
export function alertsOf(sample: RedisSample, thresholds: MonitorThresholds = {}): RedisAlert[] {
  const t = { ...HEALTH_DEFAULTS.thresholds, ...thresholds };
  const alerts: RedisAlert[] = [];
  const raise = (alert: AlertName, value: number, threshold: number, message: string) =>
    alerts.push({ connection: sample.connection, node: sample.node, alert, value, threshold, message: `${sample.node}: ${message}` });
  const pct = (n: number) => `${Math.round(n * 100)}%`;

  if (t.memoryRatio !== false && sample.memoryRatio !== null && sample.memoryRatio >= t.memoryRatio) {
    raise('memoryRatio', sample.memoryRatio, t.memoryRatio, `memory at ${pct(sample.memoryRatio)} of maxmemory`);
  }
  if (t.fragmentationRatio !== false && sample.usedMemory >= FRAGMENTATION_MIN_MEMORY && sample.fragmentationRatio >= t.fragmentationRatio) {
    raise('fragmentationRatio', sample.fragmentationRatio, t.fragmentationRatio, `memory fragmentation ratio ${sample.fragmentationRatio}`);
  }
  if (t.evictions !== false && sample.evictions >= t.evictions) {
    raise('evictions', sample.evictions, t.evictions, `${sample.evictions} keys evicted since the last sample`);
  }
  const clientsRatio = sample.maxClients > 0 ? sample.connectedClients / sample.maxClients : 0;
  if (t.clientsRatio !== false && clientsRatio >= t.clientsRatio) {
    raise('clientsRatio', clientsRatio, t.clientsRatio, `${sample.connectedClients} clients, ${pct(clientsRatio)} of maxclients`);
  }
  if (t.minHitRatio !== false && sample.hitRatio !== null && sample.lookups >= MIN_LOOKUPS && sample.hitRatio < t.minHitRatio) {
    raise('minHitRatio', sample.hitRatio, t.minHitRatio, `keyspace hit ratio ${pct(sample.hitRatio)} over ${sample.lookups} lookups`);
  }
  if (t.opsPerSec !== false && sample.opsPerSec >= t.opsPerSec) {
    raise('opsPerSec', sample.opsPerSec, t.opsPerSec, `${sample.opsPerSec} ops/s`);
  }
  if (t.slowlogEntries !== false && sample.slowlogEntries >= t.slowlogEntries) {
    raise('slowlogEntries', sample.slowlogEntries, t.slowlogEntries, `${sample.slowlogEntries} new SLOWLOG entries`);
  }
  return alerts;
}
