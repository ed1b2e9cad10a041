import { Logger } from '@nestjs/common';
import type { RedisClient } from '../connection/client.factory.js';
import type { RedisConnection } from '../connection/redis-connection.js';
import type { RedisRegistry } from '../connection/redis.registry.js';
import { RediskitConnectionError } from '../errors.js';
import { encodeKeyPart, type Keyspace, type KeyPart } from '../keyspace/keyspace.js';
import type { BoundCounter, CounterMetric, MetricsService } from '../metrics/metrics.service.js';
import type { RedisModuleOptions } from '../options/redis-module-options.js';
import type { LuaScript } from '../scripts/lua-script.js';
import type { BatchScript } from '../scripts/batch-script.js';
import { ScriptBatcher } from '../scripts/script-batcher.js';
import { ScriptRunner, type ScriptArg } from '../scripts/script-runner.js';
import { fixedWindowScript } from './fixed-window.lua.js';
import { gcraScript } from './gcra.lua.js';
import { MemoryRateLimiter, type RawDecision } from './memory-rate-limiter.js';
import type { RateLimitOptions } from './rate-limit.options.js';
import {
  algorithmTag,
  checkCost,
  RATE_LIMIT_ALGORITHMS,
  resolvePolicy,
  type RateLimitAlgorithm,
  type RateLimitDecision,
  type RateLimitFailurePolicy,
  type RateLimitPolicy,
  type ResolvedPolicy,
} from './rate-limit.policy.js';
import { RATE_LIMIT_REPLY } from './rate-limit.lua-prelude.js';
import { slidingWindowCounterScript } from './sliding-window-counter.lua.js';
import { slidingWindowLogScript } from './sliding-window-log.lua.js';
import { throttlerIncrementScript } from './throttler-increment.lua.js';
import { tokenBucketScript } from './token-bucket.lua.js';

const SCRIPTS: Record<RateLimitAlgorithm, BatchScript> = {
  'fixed-window': fixedWindowScript,
  'sliding-window-log': slidingWindowLogScript,
  'sliding-window-counter': slidingWindowCounterScript,
  'token-bucket': tokenBucketScript,
  gcra: gcraScript,
};

/** What a policy sends with every decision, worked out once per policy. */
interface Plan {
  batcher: ScriptBatcher<RawDecision>;
  /** Appended to `:{partition}` to make the state key and (with a blockDuration) the block key. */
  suffixes: string[];
}

/** Key feature segment of every rate-limit key: `prefix:app:env:ratelimit:{partition}:policy:algo`. */
export const RATE_LIMIT_FEATURE = 'ratelimit';

// How long a fail-closed refusal tells the client to wait: Redis may be back by then.
const CLOSED_RETRY_MS = 1000;

/**
 * ioredis settings of the limiter's own connection. A limiter command must run once or not at
 * all: a command replayed after a reconnect would count a request twice (and one queued while
 * Redis is down would count a request the failure policy already decided). So: no offline
 * queue (fail at once while disconnected), no resending of commands that were in flight when
 * the socket dropped, no retries.
 *
 * On a cluster, node connections never reconnect (ioredis drops them and refreshes the slots),
 * and the limiter only sends while the cluster is `ready`; what remains is to not resend a
 * command that failed with "Connection is closed" (`retryDelayOnFailover: 0`) and to follow
 * ASK/MOVED per command (no auto-pipelining: a redirected command was not executed, so
 * following it is safe). The cluster-level queue stays on because ioredis also uses it for a
 * node connection's very first connect, which is not a replay.
 */
export const LIMITER_CLIENT_OPTIONS = { enableOfflineQueue: false, autoResendUnfulfilledCommands: false, maxRetriesPerRequest: 0 } as const;
export const LIMITER_CLUSTER_OPTIONS = { retryDelayOnFailover: 0, enableAutoPipelining: false } as const;

/**
 * Rate limiting on Redis: five algorithms, each decision one atomic script (EVALSHA) on one
 * cluster slot, timed by Redis' clock. When Redis cannot be asked, the failure policy decides
 * (`open` by default, `closed`, or an in-memory limiter), within the connection's command
 * timeout at worst.
 *
 * @example
 * const decision = await limiter.consume(`login:${email}`, { name: 'login', limit: 5, window: '15m', algorithm: 'sliding-window-log' });
 * if (!decision.allowed) throw new HttpException('Too Many Requests', 429);
 */
export class RateLimiterService {
  private readonly logger = new Logger('RateLimiter');
  private readonly runner: ScriptRunner;
  /** Per algorithm: its script, with the decisions of one tick sent as one call. */
  private readonly batchers: Record<RateLimitAlgorithm, ScriptBatcher<RawDecision>>;
  private readonly decisions: CounterMetric;
  private readonly fallbacks: CounterMetric;
  /** The per-instance limiter of the `memory` failure policy. */
  readonly memory: MemoryRateLimiter;
  /** The module-wide failure policy. */
  readonly failure: RateLimitFailurePolicy;
  private outage = false;
  // Bound counters per policy name (no label hashing per call), plans per resolved policy.
  private readonly perPolicy = new Map<string, { allowed: BoundCounter; blocked: BoundCounter }>();
  private readonly plans = new WeakMap<ResolvedPolicy, Plan>();

  private constructor(
    private readonly connection: RedisConnection,
    /** The limiter's own client (see {@link LIMITER_CLIENT_OPTIONS}). */
    readonly client: RedisClient,
    private readonly keyspace: Keyspace,
    metrics: MetricsService,
    /** The validated `rateLimit` options. */
    readonly options: RateLimitOptions,
  ) {
    this.runner = new ScriptRunner(client).define(throttlerIncrementScript);
    const target = { isCluster: connection.isCluster, run: <T>(fn: (c: RedisClient) => Promise<T>) => this.execute(fn) };
    this.batchers = Object.fromEntries(
      RATE_LIMIT_ALGORITHMS.map((a) => [a, new ScriptBatcher<RawDecision>(target, SCRIPTS[a], { width: RATE_LIMIT_REPLY })]),
    ) as Record<RateLimitAlgorithm, ScriptBatcher<RawDecision>>;
    this.memory = new MemoryRateLimiter(options.memoryMaxKeys);
    this.failure = options.failure ?? 'open';
    this.decisions = metrics.counter('rate_limit_decisions_total', 'Rate-limit decisions by policy and result (allowed | blocked)', ['policy', 'result']);
    this.fallbacks = metrics.counter('rate_limit_fallbacks_total', 'Decisions taken by the failure policy because Redis could not be asked', ['policy', 'mode']);
  }

  /** Opens the limiter's dedicated connection; used by the module's provider. */
  static async create(registry: RedisRegistry, keyspace: Keyspace, metrics: MetricsService, moduleOptions: RedisModuleOptions): Promise<RateLimiterService> {
    const options = (moduleOptions.rateLimit ?? {}) as RateLimitOptions;
    const connection = registry.get(options.connection);
    const client = await connection.duplicate('rate-limit', LIMITER_CLIENT_OPTIONS, undefined, { cluster: LIMITER_CLUSTER_OPTIONS });
    return new RateLimiterService(connection, client, keyspace, metrics, options);
  }

  /**
   * Consumes `cost` units (default: the policy's cost, else 1) of `key`'s quota under `policy`,
   * if they are available. A refused call consumes nothing.
   *
   * @param key the partition: a user id, an IP, an API key... (encoded into the Redis key)
   * @example
   * const { allowed, remaining, retryAfterMs } = await limiter.consume(userId, RateLimitPresets.PAYMENT);
   */
  consume(key: KeyPart, policy: RateLimitPolicy, options?: { cost?: number }): Promise<RateLimitDecision> {
    const p = resolvePolicy(policy);
    return this.decide(key, p, options?.cost === undefined ? p.cost : checkCost(p, options.cost), true);
  }

  /**
   * Reports what `consume` would decide now, without consuming or opening a penalty box.
   *
   * @example
   * const { remaining } = await limiter.peek(userId, RateLimitPresets.API_DEFAULT);
   */
  peek(key: KeyPart, policy: RateLimitPolicy, options?: { cost?: number }): Promise<RateLimitDecision> {
    const p = resolvePolicy(policy);
    return this.decide(key, p, options?.cost === undefined ? p.cost : checkCost(p, options.cost), false);
  }

  /**
   * Gives `key` its full quota back under `policy` (and lifts a penalty box): deletes exactly
   * the keys `consume` writes. Throws `RediskitConnectionError` when Redis cannot be reached.
   *
   * @example
   * await limiter.reset(`login:${email}`, loginPolicy); // after a successful password reset
   */
  async reset(key: KeyPart, policy: RateLimitPolicy): Promise<void> {
    const p = resolvePolicy(policy);
    const keys = this.keysOf(key, p);
    this.memory.reset(String(key), p);
    try {
      await this.execute(() => this.client.del(...keys));
    } catch (error) {
      throw new RediskitConnectionError(`Rate limit reset of policy "${p.name}" failed: ${(error as Error).message}`, { cause: error });
    }
  }

  /**
   * The Redis keys a policy writes for `key`: its state and, when it has a blockDuration, its
   * penalty-box marker. They share one hash tag, so a decision touches one cluster slot.
   */
  keysOf(key: KeyPart, policy: RateLimitPolicy | ResolvedPolicy): string[] {
    const { suffixes } = this.planOf('windowMs' in policy ? policy : resolvePolicy(policy));
    const slot = this.keyspace.slotted(RATE_LIMIT_FEATURE, key);
    return suffixes.map((suffix) => slot + suffix);
  }

  /**
   * Runs a Redis call on the limiter's connection through the circuit breaker, refusing at once
   * when the connection is not ready (never queued). For rate-limit extensions such as
   * `RediskitThrottlerStorage`.
   */
  execute<T>(call: (client: RedisClient) => Promise<T>): Promise<T> {
    return this.connection.breaker.execute(() =>
      this.client.status === 'ready' ? call(this.client) : Promise.reject(new RediskitConnectionError(`Rate-limit connection is ${this.client.status}`)),
    );
  }

  /** Runs a rate-limit Lua script like {@link execute}. */
  runScript<T>(script: LuaScript, keys: string[], args: ScriptArg[]): Promise<T> {
    return this.execute(() => this.runner.run<T>(script, keys, args));
  }

  /** Records that a decision came from the failure policy; logs once per outage. */
  noteFallback(policy: string, mode: RateLimitFailurePolicy, error: unknown): void {
    this.fallbacks.inc({ policy, mode });
    if (this.outage) return;
    this.outage = true;
    this.logger.warn(`Redis unavailable for rate limiting (${(error as Error)?.message ?? error}); deciding "${mode}" until it is back`);
  }

  /** Records that Redis answered again. */
  noteRecovered(): void {
    if (!this.outage) return;
    this.outage = false;
    this.logger.log('Redis is back: rate limits are decided by Redis again');
  }

  private async decide(key: KeyPart, p: ResolvedPolicy, cost: number, write: boolean): Promise<RateLimitDecision> {
    const plan = this.planOf(p);
    const keys = this.keysOf(key, p);
    let raw: RawDecision;
    let fallback: RateLimitFailurePolicy | undefined;
    try {
      raw = await plan.batcher.call(keys, [p.limit, p.windowMs, write ? cost : -cost, p.capacity, p.blockMs]);
      if (this.outage) this.noteRecovered();
    } catch (error) {
      fallback = p.failure ?? this.failure;
      raw = this.fallbackDecision(String(key), p, cost, write, fallback);
      this.noteFallback(p.name, fallback, error);
    }
    const allowed = raw[0] === 1;
    if (write) this.counters(p.name)[allowed ? 'allowed' : 'blocked'].inc();
    const decision: RateLimitDecision = { allowed, limit: p.capacity, remaining: raw[1], resetMs: raw[2], retryAfterMs: raw[3], policy: p.name };
    if (fallback) decision.fallback = fallback;
    return decision;
  }

  private planOf(p: ResolvedPolicy): Plan {
    let plan = this.plans.get(p);
    if (!plan) {
      // keyspace.slotted(FEATURE, key, name, tag) with the fixed tail built once.
      const sep = this.keyspace.separator;
      const name = `${sep}${encodeKeyPart(p.name, sep)}${sep}`;
      const block = p.blockMs > 0;
      plan = {
        batcher: this.batchers[p.algorithm],
        suffixes: block ? [name + algorithmTag(p.algorithm), `${name}block`] : [name + algorithmTag(p.algorithm)],
      };
      this.plans.set(p, plan);
      // Exported at 0 from the policy's first use, so an alert on its increase sees the first fallback.
      this.fallbacks.inc({ policy: p.name, mode: p.failure ?? this.failure }, 0);
    }
    return plan;
  }

  private counters(policy: string): { allowed: BoundCounter; blocked: BoundCounter } {
    let c = this.perPolicy.get(policy);
    if (!c) {
      c = { allowed: this.decisions.labels({ policy, result: 'allowed' }), blocked: this.decisions.labels({ policy, result: 'blocked' }) };
      this.perPolicy.set(policy, c);
    }
    return c;
  }

  private fallbackDecision(key: string, p: ResolvedPolicy, cost: number, write: boolean, mode: RateLimitFailurePolicy): RawDecision {
    if (mode === 'memory') return this.memory.decide(key, p, cost, write);
    if (mode === 'closed') return [0, 0, CLOSED_RETRY_MS, CLOSED_RETRY_MS];
    return [1, p.capacity - (write ? cost : 0), 0, 0];
  }
}
