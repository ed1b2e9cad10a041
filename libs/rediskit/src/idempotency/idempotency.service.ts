import { Inject, Injectable } from '@nestjs/common';
import type { RedisConnection } from '../connection/redis-connection.js';
import { RedisRegistry } from '../connection/redis.registry.js';
import { Keyspace, type KeyScope } from '../keyspace/keyspace.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { RedisModuleOptions } from '../options/redis-module-options.js';
import { REDIS_MODULE_OPTIONS } from '../redis.constants.js';
import { idempotencyBeginScript } from './idempotency-begin.lua.js';
import { idempotencyFinishScript } from './idempotency-finish.lua.js';
import { IdempotencyMetrics } from './idempotency.metrics.js';
import { resolveIdempotencySettings, type IdempotencySettings } from './idempotency.settings.js';

/** What a key holds when a request comes with it. */
export type BeginResult = { state: 'run' } | { state: 'mismatch' } | { state: 'busy'; retryAfterMs: number } | { state: 'done'; response: string };

/**
 * The records of idempotent requests in Redis: one hash per (client, key), claimed by
 * `begin`, then completed with the response or released by `finish`. Each call is one Lua
 * script with a deadline, within `idempotency.commandTimeout`; failures reject with a
 * `RediskitError` and are counted. `IdempotencyInterceptor` (`@Idempotent`) is its user.
 */
@Injectable()
export class IdempotencyService {
  readonly settings: IdempotencySettings;
  readonly metrics: IdempotencyMetrics;
  private readonly connection: RedisConnection;
  private readonly keys: KeyScope;
  private readonly budget: number;

  constructor(registry: RedisRegistry, keyspace: Keyspace, metrics: MetricsService, @Inject(REDIS_MODULE_OPTIONS) moduleOptions: RedisModuleOptions) {
    this.settings = resolveIdempotencySettings(moduleOptions.idempotency);
    this.connection = registry.get(this.settings.connection);
    this.keys = keyspace.scope('idempotency');
    this.metrics = new IdempotencyMetrics(metrics);
    this.budget = this.settings.commandTimeout ?? this.connection.commandTimeout;
  }

  /** Claims `id` for a request with this fingerprint, or says what it holds (see idempotency-begin.lua.ts). */
  async begin(id: string, fingerprint: string, token: string, inProgressTtl: number): Promise<BeginResult> {
    const [state, extra] = await this.counted('begin', this.connection.script<[string, (string | number)?]>(idempotencyBeginScript, [this.key(id)], [fingerprint, token, inProgressTtl], this.budget));
    if (state === 'done') return { state, response: String(extra ?? '') };
    if (state === 'busy') return { state, retryAfterMs: Math.max(0, Number(extra) || 0) };
    return { state: state === 'run' ? 'run' : 'mismatch' };
  }

  /** Stores the response of the request that owns the claim; false when the claim was lost (its marker expired). */
  async complete(id: string, token: string, response: string, ttl: number): Promise<boolean> {
    const done = (await this.counted('complete', this.finish(id, token, response, ttl))) === 1;
    if (!done) this.metrics.failures.complete.inc();
    return done;
  }

  /** Frees a claim this request still owns (its handler failed): the client may try again. */
  async release(id: string, token: string): Promise<boolean> {
    return (await this.counted('release', this.finish(id, token, '', 1))) === 1;
  }

  private finish(id: string, token: string, response: string, ttl: number): Promise<number> {
    return this.connection.script<number>(idempotencyFinishScript, [this.key(id)], [token, response, ttl], this.budget);
  }

  private key(id: string): string {
    return this.keys.slotted(id);
  }

  private async counted<T>(operation: 'begin' | 'complete' | 'release', call: Promise<T>): Promise<T> {
    try {
      return await call;
    } catch (error) {
      this.metrics.failures[operation].inc();
      throw error;
    }
  }
}
