import { toPositiveMs } from '../options/duration.js';
import type { HealthOptions, MonitorOptions, MonitorThresholds } from './health.options.js';

/** Defaults of {@link HealthOptions} and {@link MonitorOptions}. */
export const HEALTH_DEFAULTS = {
  timeout: 1000,
  memoryThreshold: 0.95,
  interval: 30_000,
  slowOperationThreshold: 100,
  thresholds: {
    memoryRatio: 0.9,
    fragmentationRatio: 1.5,
    evictions: 1,
    clientsRatio: 0.8,
    minHitRatio: false,
    opsPerSec: false,
    slowlogEntries: 10,
  } satisfies Required<MonitorThresholds>,
} as const;

/** The `health` options with every default applied, durations in ms (the monitor's are its own). */
export interface HealthSettings {
  timeout: number;
  maxLatencyMs?: number;
  memoryThreshold: number;
  /** `false`: the monitor is off. */
  monitor: MonitorSettings | false;
  /** The section set `monitor`: sampling starts at boot. */
  monitorConfigured: boolean;
}

/** {@link MonitorOptions} with every default applied. */
export interface MonitorSettings extends Omit<MonitorOptions, 'interval' | 'thresholds' | 'enabled' | 'slowlog' | 'slowOperationThreshold'> {
  enabled: boolean;
  interval: number;
  slowlog: boolean;
  thresholds: Required<MonitorThresholds>;
}

/** Applies the defaults of {@link HealthOptions} (the slow-command threshold is the connection metrics'). */
export function resolveHealthSettings(options: HealthOptions = {}): HealthSettings {
  const monitor = options.monitor ?? {};
  return {
    timeout: toPositiveMs(options.timeout ?? HEALTH_DEFAULTS.timeout, 'health.timeout'),
    maxLatencyMs: options.maxLatencyMs,
    memoryThreshold: options.memoryThreshold ?? HEALTH_DEFAULTS.memoryThreshold,
    monitor: monitor === false
      ? false
      : {
          connections: monitor.connections,
          enabled: monitor.enabled ?? true,
          interval: toPositiveMs(monitor.interval ?? HEALTH_DEFAULTS.interval, 'health.monitor.interval'),
          slowlog: monitor.slowlog ?? true,
          thresholds: { ...HEALTH_DEFAULTS.thresholds, ...monitor.thresholds },
        },
    monitorConfigured: options.monitor !== undefined,
  };
}
