import { createHmac } from 'node:crypto';
import type { RedisClient } from '../connection/client.factory.js';
import type { RedisConnection } from '../connection/redis-connection.js';
import type { RedisRegistry } from '../connection/redis.registry.js';
import { RediskitConnectionError } from '../errors.js';
import { encodeKeyPart, type Keyspace, type KeyPart } from '../keyspace/keyspace.js';
import type { BoundCounter, CounterMetric, MetricsService } from '../metrics/metrics.service.js';
import { toPositiveMs } from '../options/duration.js';
import type { RedisModuleOptions } from '../options/redis-module-options.js';
import type { LuaScript } from '../scripts/lua-script.js';
import type { BatchScript } from '../scripts/batch-script.js';
import { ScriptBatcher } from '../scripts/script-batcher.js';
import { ScriptRunner, type ScriptArg } from '../scripts/script-runner.js';
import { fixedWindowScript } from './rate-limit-fixed-window.lua.js';
import { gcraScript } from './rate-limit-gcra.lua.js';
import { keySecretScript } from './rate-limit-key-secret.lua.js';
import { MemoryRateLimiter, type RawDecision } from './memory-rate-limiter.js';
import { PartitionSecret } from './partition-secret.js';
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
import { slidingWindowCounterScript } from './rate-limit-sliding-window-counter.lua.js';
import { slidingWindowLogScript } from './rate-limit-sliding-window-log.lua.js';
import { throttlerIncrementScript } from './rate-limit-throttler-increment.lua.js';
import { tokenBucketScript } from './rate-limit-token-bucket.lua.js';
import { Tracing } from '../tracing/tracing.js';
import { tracedDecision } from './rate-limit.tracing.js';
import { RediskitLogger } from '../context/rediskit-logger.js';
import { RATE_LIMIT_DEFAULTS, resolveRateLimitSettings, type RateLimitSettings } from './rate-limit.settings.js';

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

// Prefix of the partition hash input: the same secret used for the `pk` header parameter
// (headers.partitionKeySecret) then still gives a value unrelated to the Redis key.
const PARTITION_DOMAIN = 'rediskit:ratelimit:partition\n';

// How long a fail-closed refusal tells the client to wait: Redis may be back by then.
const CLOSED_RETRY_MS = RATE_LIMIT_DEFAULTS.closedRetryAfterMs;

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

/** The limiter's own client and its script runner. */
interface LimiterLink {
  client: RedisClient;
  runner: ScriptRunner;
}

/**
 * Rate limiting on Redis: five algorithms, each decision one atomic script (EVALSHA) on one
 * cluster slot, timed by Redis' clock. When Redis cannot be asked, the failure policy decides
 * (`open` by default, `closed`, or an in-memory limiter), within the connection's command
 * timeout at worst.
 *
 * The limiter's connection (`<connection>:rate-limit`) is opened at boot when the module
 * options have a `rateLimit` section (boot fails if it cannot be), else on the first decision.
 *
 * @example
 * const decision = await limiter.consume(`login:${email}`, { name: 'login', limit: 5, window: '15m', algorithm: 'sliding-window-log' });
 * if (!decision.allowed) throw new HttpException('Too Many Requests', 429);
 */
export class RateLimiterService {
  private readonly logger = new RediskitLogger('RateLimiter');
  private link?: LimiterLink;
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
  private readonly secret: PartitionSecret;
  /** How long a decision may wait for Redis before the failure policy decides. */
  private readonly budget: number;
  /** The `rateLimit` options with their defaults applied. */
  readonly settings: RateLimitSettings;

  private constructor(
    private readonly connection: RedisConnection,
    private readonly keyspace: Keyspace,
    metrics: MetricsService,
    /** The validated `rateLimit` options. */
    readonly options: RateLimitOptions,
    private readonly tracing: Tracing,
  ) {
    this.settings = resolveRateLimitSettings(options);
    const secretKey = keyspace.key(RATE_LIMIT_FEATURE, 'key-secret');
    this.secret = new PartitionSecret((candidate) => this.runScript<string | null>(keySecretScript, [secretKey], [candidate]), this.settings.keySecret);
    const target = {
      isCluster: connection.isCluster,
      run: <T>(fn: (c: RedisClient) => Promise<T>) => this.execute(fn),
      deadline: () => connection.deadline(this.budget),
    };
    this.batchers = Object.fromEntries(
      RATE_LIMIT_ALGORITHMS.map((a) => [a, new ScriptBatcher<RawDecision>(target, SCRIPTS[a], { width: RATE_LIMIT_REPLY })]),
    ) as Record<RateLimitAlgorithm, ScriptBatcher<RawDecision>>;
    // Checked again: a connection's commandTimeout may be 0 (no timeout), a limiter needs a budget.
    this.budget = toPositiveMs(this.settings.commandTimeout ?? connection.commandTimeout, 'rateLimit.commandTimeout');
    this.memory = new MemoryRateLimiter(this.settings.memoryMaxKeys);
    this.failure = this.settings.failure;
    this.decisions = metrics.counter('rate_limit_decisions_total', 'Rate-limit decisions by policy and result (allowed | blocked)', ['policy', 'result']);
    this.fallbacks = metrics.counter('rate_limit_fallbacks_total', 'Decisions taken by the failure policy because Redis could not be asked', ['policy', 'mode']);
  }

  /**
   * Builds the limiter; used by the module's provider. With a `rateLimit` section its
   * connection is opened now and boot fails when Redis does not answer; without one it opens
   * on first use.
   */
  static async create(registry: RedisRegistry, keyspace: Keyspace, metrics: MetricsService, moduleOptions: RedisModuleOptions, tracing = Tracing.off): Promise<RateLimiterService> {
    const options = (moduleOptions.rateLimit ?? {}) as RateLimitOptions;
    const connection = registry.get(options.connection);
    const service = new RateLimiterService(connection, keyspace, metrics, options, tracing);
    if (moduleOptions.rateLimit !== undefined) {
      service.link = linkTo(await connection.duplicate('rate-limit', LIMITER_CLIENT_OPTIONS, undefined, { cluster: LIMITER_CLUSTER_OPTIONS }));
    }
    return service;
  }

  /** The limiter's own client (see {@link LIMITER_CLIENT_OPTIONS}); reading it opens the connection if not yet open. */
  get client(): RedisClient {
    return this.opened().client;
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
    const cost = options?.cost === undefined ? p.cost : checkCost(p, options.cost);
    if (!this.tracing.enabled) return this.decide(key, p, cost, true);
    return tracedDecision(this.tracing, 'consume', p, cost, () => this.decide(key, p, cost, true));
  }

  /**
   * Reports what `consume` would decide now, without consuming or opening a penalty box: the
   * same `allowed`, `remaining` (what would be left after `cost` units), `resetMs` and
   * `retryAfterMs` (with a `blockDuration`, a refusal reports the box consume would open).
   *
   * @example
   * const { remaining } = await limiter.peek(userId, RateLimitPresets.API_DEFAULT);
   */
  peek(key: KeyPart, policy: RateLimitPolicy, options?: { cost?: number }): Promise<RateLimitDecision> {
    const p = resolvePolicy(policy);
    const cost = options?.cost === undefined ? p.cost : checkCost(p, options.cost);
    if (!this.tracing.enabled) return this.decide(key, p, cost, false);
    return tracedDecision(this.tracing, 'peek', p, cost, () => this.decide(key, p, cost, false));
  }

  /**
   * The Redis key part of a partition (what `RateLimitGuard` passes to `consume`): a keyed hash
   * (HMAC-SHA256, 22 base64url characters) with `rateLimit.keySecret`, or else the secret
   * shared by every instance through Redis. It never shows an IP, user id or API key, and one
   * cannot be checked against a guess without the secret.
   *
   * @example
   * await limiter.consume(await limiter.partitionKey(`login|ip:${ip}`), loginPolicy);
   */
  async partitionKey(partition: string): Promise<string> {
    const secret = await this.secret.get();
    return createHmac('sha256', secret).update(PARTITION_DOMAIN).update(partition).digest('base64url').slice(0, 22);
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
    let link: LimiterLink;
    try {
      link = this.opened();
    } catch (error) {
      return Promise.reject(error);
    }
    // A decision never waits for a reconnect: the failure policy answers at once. Only a
    // connection making its first attempt (opened on first use) is waited for, within the budget.
    const { status } = link.client;
    if (status === 'reconnecting' || status === 'close' || status === 'end') {
      const down = new RediskitConnectionError(`Rate-limit connection to ${this.connection.address} is ${status}`);
      this.connection.breaker.recordFailure(down);
      return Promise.reject(down);
    }
    return this.connection.call(link.client, this.budget, call);
  }

  /** Runs a rate-limit Lua script like {@link execute}. */
  runScript<T>(script: LuaScript, keys: string[], args: ScriptArg[]): Promise<T> {
    const withDeadline = script.deadline ? [...args, this.connection.deadline(this.budget)] : args;
    return this.execute(() => this.link!.runner.run<T>(script, keys, withDeadline));
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

  /**
   * The limiter's client, opened on first use. Concurrent first calls share one connection:
   * it is created synchronously here, and calls wait for it within their budget.
   */
  private opened(): LimiterLink {
    if (!this.link) this.link = linkTo(this.connection.open('rate-limit', LIMITER_CLIENT_OPTIONS, { cluster: LIMITER_CLUSTER_OPTIONS }).client);
    return this.link;
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
    return [1, p.capacity - cost, 0, 0];
  }
}

function linkTo(client: RedisClient): LimiterLink {
  return { client, runner: new ScriptRunner(client).define(throttlerIncrementScript, keySecretScript) };
}
