import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import type { CircuitStateName } from '../connection/circuit-breaker.js';
import type { RedisConnection } from '../connection/redis-connection.js';
import { RedisRegistry } from '../connection/redis.registry.js';
import { Keyspace } from '../keyspace/keyspace.js';
import { toMs } from '../options/duration.js';
import type { RedisModuleOptions } from '../options/redis-module-options.js';
import { REDIS_MODULE_OPTIONS } from '../redis.constants.js';
import { CommandNamespaces, firstKey } from './command-namespace.js';
import { CommandInstrumentation, type SlowCommand } from './command.instrumentation.js';
import { MetricsService } from './metrics.service.js';

const CIRCUIT_STATES: CircuitStateName[] = ['closed', 'open', 'half-open', 'isolated'];

/** Default buckets of `redis_command_duration_seconds`: 0.25 ms to 2.5 s. */
export const COMMAND_BUCKETS = [0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** Commands at least this slow (ms) are counted and logged unless `metrics.slowCommandThreshold` says otherwise. */
export const DEFAULT_SLOW_COMMAND_MS = 100;

/**
 * The core metrics of every connection of the module, recorded from the connection layer:
 *
 * | metric | labels | what |
 * |---|---|---|
 * | `redis_command_duration_seconds` (histogram) | connection, command | time from send to reply |
 * | `redis_command_errors_total` | connection, command, reason (`reply`, `timeout`, `connection`) | failed commands |
 * | `redis_reconnects_total` | connection | reconnect attempts |
 * | `redis_connection_up` (gauge) | connection | 1 while the connection is ready |
 * | `redis_circuit_state` (gauge) | connection, state | 1 for the breaker's current state |
 * | `redis_circuit_transitions_total` | connection, state | breaker state changes, by new state |
 *
 * It also reports commands slower than `metrics.slowCommandThreshold` to
 * {@link onSlow} listeners (the {@link RedisMonitor} logs them) with their namespace (see
 * {@link CommandNamespaces}), never the key.
 *
 * @example
 * connectionMetrics.onSlow((op) => console.warn(`${op.command} on ${op.namespace}: ${op.durationMs} ms`));
 */
@Injectable()
export class RedisConnectionMetrics implements OnApplicationShutdown {
  private readonly events = new EventEmitter();
  private readonly cleanups: (() => void)[] = [];
  /** Commands at least this slow are reported (ms; Infinity when off). */
  readonly slowMs: number;
  /** The `namespace` of a key in labels and logs: rediskit's features, `metrics.namespaces`, else `other`. */
  readonly namespaces: CommandNamespaces;

  constructor(
    private readonly registry: RedisRegistry,
    private readonly metrics: MetricsService,
    keyspace: Keyspace,
    @Inject(REDIS_MODULE_OPTIONS) options: RedisModuleOptions,
  ) {
    this.namespaces = new CommandNamespaces(keyspace, options.metrics?.namespaces);
    const threshold = options.metrics?.slowCommandThreshold ?? DEFAULT_SLOW_COMMAND_MS;
    this.slowMs = threshold === false ? Infinity : toMs(threshold, 'metrics.slowCommandThreshold');
    for (const [name, connection] of registry.all()) this.instrument(name, connection);
  }

  /** Calls `listener` for every command slower than {@link slowMs}. Returns an unsubscribe function. */
  onSlow(listener: (command: SlowCommand) => void): () => void {
    this.events.on('slow', listener);
    return () => this.events.off('slow', listener);
  }

  onApplicationShutdown(): void {
    for (const cleanup of this.cleanups.splice(0)) cleanup();
  }

  private instrument(name: string, connection: RedisConnection): void {
    const { metrics } = this;
    const client = connection.client;
    const timeCommands = metrics.enabled && metrics.options.commands !== false;
    if (timeCommands || this.slowMs !== Infinity) {
      const instrumentation = new CommandInstrumentation({
        connection: name,
        latency: timeCommands
          ? metrics.hotHistogram('redis_command_duration_seconds', 'Redis command latency from send to reply', ['connection', 'command'], metrics.options.commandBuckets ?? COMMAND_BUCKETS)
          : undefined,
        errors: timeCommands ? metrics.counter('redis_command_errors_total', 'Redis commands that failed, by reason (reply, timeout, connection)', ['connection', 'command', 'reason']) : undefined,
        slowMs: this.slowMs,
        onSlow: (command, durationMs) =>
          this.events.emit('slow', {
            connection: name,
            command: command.name,
            namespace: this.namespaces.of(firstKey(command.name, command.args)),
            durationMs: Math.round(durationMs * 10) / 10,
          } satisfies SlowCommand),
      });
      this.cleanups.push(instrumentation.install(client));
    }
    if (!metrics.enabled) return;

    const reconnects = metrics.counter('redis_reconnects_total', 'Reconnect attempts of Redis connections', ['connection']).labels({ connection: name });
    const up = metrics.gauge('redis_connection_up', '1 while the Redis connection is ready, else 0', ['connection']).labels({ connection: name });
    const onReconnecting = () => {
      reconnects.inc();
      up.set(0);
    };
    const onReady = () => up.set(1);
    const onDown = () => up.set(0);
    client.on('reconnecting', onReconnecting);
    client.on('ready', onReady);
    client.on('close', onDown);
    client.on('end', onDown);
    up.set(connection.isReady ? 1 : 0);

    const state = metrics.gauge('redis_circuit_state', '1 for the current circuit breaker state of a connection', ['connection', 'state']);
    const transitions = metrics.counter('redis_circuit_transitions_total', 'Circuit breaker state changes, by new state', ['connection', 'state']);
    const show = (current: CircuitStateName) => {
      for (const s of CIRCUIT_STATES) state.set({ connection: name, state: s }, s === current ? 1 : 0);
    };
    show(connection.breaker.state);
    const unsubscribe = connection.breaker.onStateChange((s) => {
      show(s);
      transitions.inc({ connection: name, state: s });
    });
    this.cleanups.push(unsubscribe, () => {
      client.off('reconnecting', onReconnecting);
      client.off('ready', onReady);
    });
  }
}
