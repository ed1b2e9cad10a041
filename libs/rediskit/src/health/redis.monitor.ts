import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import type { RedisConnection } from '../connection/redis-connection.js';
import { RedisRegistry } from '../connection/redis.registry.js';
import { Keyspace } from '../keyspace/keyspace.js';
import type { SlowCommand } from '../metrics/command.instrumentation.js';
import { RedisConnectionMetrics } from '../metrics/connection.metrics.js';
import { MetricsService, type CounterMetric, type GaugeMetric } from '../metrics/metrics.service.js';
import type { RedisModuleOptions } from '../options/redis-module-options.js';
import { REDIS_MODULE_OPTIONS } from '../redis.constants.js';
import { HEALTH_DEFAULTS, resolveHealthSettings, type MonitorSettings } from './health.settings.js';
import { alertsOf, type RedisAlert, type RedisSample } from './monitor.alerts.js';
import { NodeSampler, type SlowlogEntry } from './node-sampler.js';

/** The events of {@link RedisMonitor}. */
export interface RedisMonitorEvents {
  /** Every node sampled. */
  sample: (sample: RedisSample) => void;
  /** A threshold was crossed (once, until it is resolved). */
  alert: (alert: RedisAlert) => void;
  /** A raised alert is back under its threshold. */
  resolved: (alert: RedisAlert) => void;
  /** A command of this application was slower than `slowOperationThreshold`. */
  slow: (command: SlowCommand) => void;
  /** A new SLOWLOG entry on a node. */
  slowlog: (entry: SlowlogEntry) => void;
}

// Repeated slow-command lines for the same command and namespace are folded for this long.
const SLOW_LOG_EVERY_MS = 10_000;

/**
 * Watches Redis for the operator: samples INFO (memory, fragmentation, evictions, clients,
 * ops/s, keyspace hit ratio) and SLOWLOG of every master of every connection on an interval,
 * updates the `redis_*` gauges, emits `alert` / `resolved` events when thresholds are crossed,
 * and logs commands of this application slower than `slowOperationThreshold` (100 ms by default)
 * with their namespace, never their key. The interval runs from boot when the module options
 * have a `health.monitor` section, else from the first listener of a sampling event.
 *
 * @example
 * monitor.on('alert', (a) => pager.notify(`${a.alert} on ${a.node}: ${a.message}`));
 * const samples = await monitor.sampleNow();
 */
@Injectable()
export class RedisMonitor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('RedisMonitor');
  private readonly events = new EventEmitter();
  private readonly options: MonitorSettings | false;
  private readonly sampler: NodeSampler;
  private readonly active = new Map<string, RedisAlert>();
  /** Connections whose alert series are exported (at 0 until raised). */
  private readonly alertSeries = new Set<string>();
  private readonly latestSamples = new Map<string, RedisSample>();
  private readonly slowLogged = new Map<string, { at: number; folded: number }>();
  private readonly stopSlow: () => void;
  private timer?: NodeJS.Timeout;
  /** `health.monitor` is in the module options: sampling starts at boot. */
  private readonly configured: boolean;
  private shutDown = false;
  private sampling?: Promise<RedisSample[]>;
  private readonly gauges: Record<'used' | 'max' | 'fragmentation' | 'clients' | 'ops' | 'hitRatio', GaugeMetric>;
  private readonly counters: Record<'evictions' | 'slowlog' | 'alerts' | 'slowCommands', CounterMetric>;

  constructor(
    private readonly registry: RedisRegistry,
    _keyspace: Keyspace,
    metrics: MetricsService,
    connectionMetrics: RedisConnectionMetrics,
    @Inject(REDIS_MODULE_OPTIONS) options: RedisModuleOptions,
  ) {
    const settings = resolveHealthSettings(options.health);
    this.options = settings.monitor;
    this.configured = settings.monitorConfigured;
    const node = ['connection', 'node'];
    this.gauges = {
      used: metrics.gauge('redis_memory_used_bytes', 'used_memory of a Redis node', node),
      max: metrics.gauge('redis_memory_max_bytes', 'maxmemory of a Redis node (0: no limit)', node),
      fragmentation: metrics.gauge('redis_memory_fragmentation_ratio', 'mem_fragmentation_ratio of a Redis node', node),
      clients: metrics.gauge('redis_connected_clients', 'connected_clients of a Redis node', node),
      ops: metrics.gauge('redis_ops_per_second', 'instantaneous_ops_per_sec of a Redis node', node),
      hitRatio: metrics.gauge('redis_keyspace_hit_ratio', 'Keyspace hits / lookups of a Redis node between two samples', node),
    };
    this.counters = {
      evictions: metrics.counter('redis_evicted_keys_total', 'Keys evicted by a Redis node, seen by the monitor', node),
      slowlog: metrics.counter('redis_slowlog_entries_total', 'SLOWLOG entries of a Redis node, seen by the monitor', node),
      alerts: metrics.counter('redis_alerts_total', 'Monitor alerts raised, by alert', ['connection', 'alert']),
      slowCommands: metrics.counter('redis_slow_commands_total', 'Commands of this application slower than slowOperationThreshold', ['connection', 'command', 'namespace']),
    };
    this.sampler = new NodeSampler(connectionMetrics.namespaces, this.options === false || this.options.slowlog !== false);
    this.stopSlow = this.options === false ? () => undefined : connectionMetrics.onSlow((c) => this.reportSlow(c));
  }

  /**
   * Subscribes to a monitor event; returns a function that unsubscribes. Listening to an event
   * that comes from sampling (`sample`, `alert`, `resolved`, `slowlog`) starts the interval when
   * the options had no `health.monitor` section (unless the monitor is turned off).
   */
  on<E extends keyof RedisMonitorEvents>(event: E, listener: RedisMonitorEvents[E]): () => void {
    if (event !== 'slow') this.startSampling();
    this.events.on(event, listener);
    return () => this.events.off(event, listener);
  }

  /** The latest sample of every node sampled so far. */
  latest(): RedisSample[] {
    return [...this.latestSamples.values()];
  }

  /** The alerts raised and not yet resolved. */
  activeAlerts(): RedisAlert[] {
    return [...this.active.values()];
  }

  /** Samples every node now (also what the interval calls); a sample already running is shared. */
  sampleNow(): Promise<RedisSample[]> {
    this.sampling ??= this.sampleAll().finally(() => (this.sampling = undefined));
    return this.sampling;
  }

  /** With a `health.monitor` section, sampling starts now; without, on the first {@link on}. */
  onApplicationBootstrap(): void {
    if (this.configured) this.startSampling();
  }

  async onApplicationShutdown(): Promise<void> {
    this.shutDown = true;
    clearInterval(this.timer);
    this.stopSlow();
    await this.sampling?.catch(() => undefined);
  }

  private startSampling(): void {
    if (this.timer || this.shutDown || this.options === false || this.options.enabled === false) return;
    this.timer = setInterval(() => void this.sampleNow(), this.options.interval);
    this.timer.unref();
  }

  private async sampleAll(): Promise<RedisSample[]> {
    const wanted = this.options === false ? undefined : this.options.connections;
    const connections = [...this.registry.all()].filter(([name]) => !wanted || wanted.includes(name));
    const samples = await Promise.all(connections.map(([name, c]) => this.sampleConnection(name, c)));
    return samples.flat();
  }

  private async sampleConnection(name: string, connection: RedisConnection): Promise<RedisSample[]> {
    // A connection that is down is reported by the connection itself and the health indicator.
    if (!connection.isReady) return [];
    const settled = await Promise.allSettled(connection.masters().map((node) => this.sampleNode(name, node)));
    for (const s of settled) if (s.status === 'rejected') this.logger.debug(`sampling ${name} failed: ${(s.reason as Error).message}`);
    return settled.filter((s): s is PromiseFulfilledResult<RedisSample> => s.status === 'fulfilled').map((s) => s.value);
  }

  private async sampleNode(connection: string, client: Redis): Promise<RedisSample> {
    const { sample, slowlog } = await this.sampler.sample(connection, client);
    this.record(sample);
    for (const entry of slowlog) this.events.emit('slowlog', entry);
    if (slowlog.length) {
      const shown = slowlog.slice(0, 5).map((e) => `${e.command.toUpperCase()} on ${e.namespace} (${e.durationMs} ms)`);
      this.logger.warn(`${slowlog.length} new SLOWLOG entries on ${sample.node} (${connection}): ${shown.join(', ')}${slowlog.length > 5 ? ', ...' : ''}`);
    }
    this.latestSamples.set(`${connection}|${sample.node}`, sample);
    this.events.emit('sample', sample);
    this.evaluate(sample);
    return sample;
  }

  private record(s: RedisSample): void {
    const labels = { connection: s.connection, node: s.node };
    this.gauges.used.set(labels, s.usedMemory);
    this.gauges.max.set(labels, s.maxMemory);
    this.gauges.fragmentation.set(labels, s.fragmentationRatio);
    this.gauges.clients.set(labels, s.connectedClients);
    this.gauges.ops.set(labels, s.opsPerSec);
    if (s.hitRatio !== null) this.gauges.hitRatio.set(labels, s.hitRatio);
    // Incremented by 0 too: the series exist from the first sample, so increase() sees the first
    // evictions and SLOWLOG entries (a series born at N shows no increase).
    this.counters.evictions.inc(labels, s.evictions);
    this.counters.slowlog.inc(labels, s.slowlogEntries);
  }

  private evaluate(sample: RedisSample): void {
    const thresholds = this.options === false ? HEALTH_DEFAULTS.thresholds : this.options.thresholds;
    if (!this.alertSeries.has(sample.connection)) {
      // Each enabled alert exported at 0 once per connection, so increase() sees its first raise.
      this.alertSeries.add(sample.connection);
      for (const [alert, threshold] of Object.entries(thresholds)) {
        if (threshold !== false && threshold !== undefined) this.counters.alerts.inc({ connection: sample.connection, alert }, 0);
      }
    }
    const raised = alertsOf(sample, thresholds);
    const prefix = `${sample.connection}|${sample.node}|`;
    const now = new Set(raised.map((a) => prefix + a.alert));
    for (const alert of raised) {
      const id = prefix + alert.alert;
      if (this.active.has(id)) continue;
      this.active.set(id, alert);
      this.counters.alerts.inc({ connection: alert.connection, alert: alert.alert });
      this.logger.warn(`Redis alert ${alert.alert} on ${alert.connection}: ${alert.message} (threshold ${alert.threshold})`);
      this.events.emit('alert', alert);
    }
    for (const [id, alert] of this.active) {
      if (!id.startsWith(prefix) || now.has(id)) continue;
      this.active.delete(id);
      this.logger.log(`Redis alert ${alert.alert} on ${alert.connection} resolved: ${alert.node}`);
      this.events.emit('resolved', alert);
    }
  }

  private reportSlow(c: SlowCommand): void {
    this.counters.slowCommands.inc({ connection: c.connection, command: c.command, namespace: c.namespace });
    this.events.emit('slow', c);
    const id = `${c.connection}|${c.command}|${c.namespace}`;
    const last = this.slowLogged.get(id);
    const now = Date.now();
    if (last && now - last.at < SLOW_LOG_EVERY_MS) {
      last.folded++;
      return;
    }
    const folded = last?.folded ? ` (+${last.folded} more since the last report)` : '';
    this.slowLogged.set(id, { at: now, folded: 0 });
    this.logger.warn(`Slow Redis command ${c.command.toUpperCase()} on namespace "${c.namespace}" took ${c.durationMs} ms (connection ${c.connection})${folded}`);
  }
}
