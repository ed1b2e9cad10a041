import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { Codec } from '../codec/codec.js';
import type { CircuitStateName } from '../connection/circuit-breaker.js';
import { RedisRegistry } from '../connection/redis.registry.js';
import { RediskitArgumentError } from '../errors.js';
import { Keyspace } from '../keyspace/keyspace.js';
import { toPositiveMs, type Duration } from '../options/duration.js';
import type { RedisModuleOptions } from '../options/redis-module-options.js';
import { REDIS_MODULE_OPTIONS } from '../redis.constants.js';
import { HEALTH_INDICATOR_SERVICE, type IndicatorResult, type IndicatorService } from './health-indicator.loader.js';
import { resolveHealthSettings, type HealthSettings } from './health.settings.js';
import { probeRedis, type RedisHealthDetails } from './redis.probe.js';
import { SentinelProbe } from './sentinel.probe.js';

/** Options of {@link RedisHealthIndicator.isHealthy}; defaults come from the `health` module options. */
export interface RedisHealthCheckOptions {
  /** The named connection to check. @default the default connection */
  connection?: string;
  /** Down when the whole check takes longer. @default `health.timeout`, 1 s */
  timeout?: Duration;
  /** Down when PING takes longer than this many ms. @default `health.maxLatencyMs`: off */
  maxLatencyMs?: number;
  /** Down when used_memory / maxmemory reaches this under `noeviction`. @default 0.95 */
  memoryThreshold?: number;
}

/** Options of {@link RedisHealthIndicator.roundTrip}. */
export interface RoundTripOptions {
  /** The named connection. @default the default connection */
  connection?: string;
  /** The keyspace feature the health key lives in, e.g. `cache` or `session`. @default `health` */
  namespace?: string;
  /** Down when the round trip takes longer. @default `health.timeout`, 1 s */
  timeout?: Duration;
}

/** What a round trip reports next to `status`. */
export type RoundTripDetails = {
  connection: string;
  namespace: string;
  circuit: CircuitStateName;
  /** Write + read + delete, ms. */
  latencyMs?: number;
  message?: string;
};

/** The indicator result for `key`: `{ [key]: { status: 'up' | 'down', ...details } }`. */
export type RedisHealthResult<Key extends string> = IndicatorResult<Key, RedisHealthDetails>;
/** The round-trip result for `key`. */
export type RoundTripResult<Key extends string> = IndicatorResult<Key, RoundTripDetails>;

/**
 * `@nestjs/terminus` indicators for Redis, built on terminus' `HealthIndicatorService`
 * (`check(key).up()/down()`). Results are never thrown: a down Redis gives `status: 'down'`
 * with a `message`, and `HealthCheckService` answers 503.
 *
 * `isHealthy` checks PING latency, memory against maxmemory, `cluster_state:ok` on every master
 * of a cluster and, through Sentinel, that the connection talks to the master the sentinels
 * report; the circuit breaker state is in the details. `roundTrip` writes, reads back and
 * deletes a health key through the keyspace and codec, as the cache and sessions do.
 *
 * @example
 * @Get('health') @HealthCheck()
 * check() {
 *   return this.health.check([
 *     () => this.redis.isHealthy('redis', { maxLatencyMs: 100 }),
 *     () => this.redis.roundTrip('cache', { namespace: 'cache' }),
 *   ]);
 * }
 */
@Injectable()
export class RedisHealthIndicator implements OnApplicationShutdown {
  private readonly defaults: HealthSettings;
  private readonly sentinels = new SentinelProbe();
  // One health key per process, so instances checking at once never read each other's value.
  private readonly instance = randomBytes(6).toString('hex');

  constructor(
    private readonly registry: RedisRegistry,
    private readonly keyspace: Keyspace,
    private readonly codec: Codec,
    @Inject(HEALTH_INDICATOR_SERVICE) private readonly indicators: IndicatorService,
    @Inject(REDIS_MODULE_OPTIONS) options: RedisModuleOptions,
  ) {
    this.defaults = resolveHealthSettings(options.health);
  }

  /**
   * Checks a Redis connection; `key` names the result.
   *
   * @example
   * await redis.isHealthy('redis', { timeout: '500ms', maxLatencyMs: 50, memoryThreshold: 0.9 })
   * // { redis: { status: 'up', connection: 'default', topology: 'standalone', circuit: 'closed', latencyMs: 0.4, ... } }
   */
  async isHealthy<const Key extends string>(key: Key, options: RedisHealthCheckOptions = {}): Promise<RedisHealthResult<Key>> {
    const connection = this.registry.get(options.connection);
    const timeoutMs = this.timeoutOf(options.timeout);
    const limits = {
      timeoutMs,
      maxLatencyMs: options.maxLatencyMs ?? this.defaults.maxLatencyMs,
      memoryThreshold: options.memoryThreshold ?? this.defaults.memoryThreshold,
    };
    if (limits.maxLatencyMs !== undefined && !(limits.maxLatencyMs >= 0)) throw new RediskitArgumentError('maxLatencyMs', `must be a number ≥ 0, got ${limits.maxLatencyMs}`);
    if (!(limits.memoryThreshold > 0 && limits.memoryThreshold <= 1)) throw new RediskitArgumentError('memoryThreshold', `must be in (0, 1], got ${limits.memoryThreshold}`);
    const base = { connection: connection.name, topology: connection.kind, circuit: connection.breaker.state };
    const details = await withTimeout(probeRedis(connection, this.sentinels, limits), timeoutMs).catch(
      (error: Error): RedisHealthDetails => ({ ...base, message: error.message }),
    );
    return details.message ? this.indicators.check(key).down(details) : this.indicators.check(key).up(details);
  }

  /**
   * Writes a health key with a random value, reads it back, deletes it: the path the cache and
   * sessions use (keyspace, codec, the connection and its circuit breaker). The key expires
   * after a minute in case the delete never runs.
   *
   * @example
   * await redis.roundTrip('session-store', { namespace: 'session' }) // { 'session-store': { status: 'up', latencyMs: 0.8, ... } }
   */
  async roundTrip<const Key extends string>(key: Key, options: RoundTripOptions = {}): Promise<RoundTripResult<Key>> {
    const connection = this.registry.get(options.connection);
    const namespace = options.namespace ?? 'health';
    const timeoutMs = this.timeoutOf(options.timeout);
    const healthKey = this.keyspace.key(namespace, '__health__', this.instance);
    const details: RoundTripDetails = { connection: connection.name, namespace, circuit: connection.breaker.state };
    const nonce = randomBytes(8).toString('hex');
    const started = performance.now();
    try {
      await withTimeout(
        (async () => {
          await connection.run((c) => c.set(healthKey, this.codec.encode({ nonce }, healthKey), 'PX', 60_000));
          const read = this.codec.decode<{ nonce: string }>(await connection.run((c) => c.getBuffer(healthKey)), healthKey);
          if (read?.nonce !== nonce) throw new Error('read back a different value than written');
          if ((await connection.run((c) => c.del(healthKey))) !== 1) throw new Error('the health key was gone before delete');
        })(),
        timeoutMs,
      );
      details.latencyMs = Math.round((performance.now() - started) * 100) / 100;
      return this.indicators.check(key).up(details);
    } catch (error) {
      details.circuit = connection.breaker.state;
      details.message = (error as Error).message;
      return this.indicators.check(key).down(details);
    }
  }

  onApplicationShutdown(): void {
    this.sentinels.close();
  }

  private timeoutOf(timeout: Duration | undefined): number {
    return timeout === undefined ? this.defaults.timeout : toPositiveMs(timeout, 'timeout');
  }
}

/** Rejects with "no answer within N ms" when `promise` takes longer. */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  // The loser of the race may still reject later (a command in the offline queue): that is expected.
  promise.catch(() => undefined);
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
