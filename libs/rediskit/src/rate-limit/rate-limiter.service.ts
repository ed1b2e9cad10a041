import { createHmac } from 'node:crypto';
import type { RedisClient } from '../connection/client.factory.js';
import type { RedisRegistry } from '../connection/redis.registry.js';
import { RediskitConnectionError } from '../errors.js';
import type { Keyspace, KeyPart } from '../keyspace/keyspace.js';
import type { BoundCounter, CounterMetric, MetricsService } from '../metrics/metrics.service.js';
import { toPositiveMs } from '../options/duration.js';
import type { RedisModuleOptions } from '../options/redis-module-options.js';
import type { LuaScript } from '../scripts/lua-script.js';
import type { ScriptArg } from '../scripts/script-runner.js';
import { Tracing } from '../tracing/tracing.js';
import { DecisionPlans, RATE_LIMIT_FEATURE } from './decision-plans.js';
import { LimiterConnection } from './limiter-connection.js';
import type { MemoryRateLimiter, RawDecision } from './memory-rate-limiter.js';
import { PartitionSecret } from './partition-secret.js';
import { keySecretScript } from './rate-limit-key-secret.lua.js';
import { RateLimitFallback } from './rate-limit.fallback.js';
import type { RateLimitOptions } from './rate-limit.options.js';
import {
  checkCost,
  resolvePolicy,
  type RateLimitDecision,
  type RateLimitFailurePolicy,
  type RateLimitPolicy,
  type ResolvedPolicy,
} from './rate-limit.policy.js';
import { resolveRateLimitSettings, type RateLimitSettings } from './rate-limit.settings.js';
import { tracedDecision } from './rate-limit.tracing.js';

export { RATE_LIMIT_FEATURE } from './decision-plans.js';

// Prefix of the partition hash input: the same secret used for the `pk` header parameter
// (headers.partitionKeySecret) then still gives a value unrelated to the Redis key.
const PARTITION_DOMAIN = 'rediskit:ratelimit:partition\n';

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
  private readonly link: LimiterConnection;
  private readonly plans: DecisionPlans;
  private readonly fallback: RateLimitFallback;
  private readonly decisions: CounterMetric;
  // Bound counters per policy name: no label hashing per call.
  private readonly perPolicy = new Map<string, { allowed: BoundCounter; blocked: BoundCounter }>();
  private readonly secret: PartitionSecret;
  /** The `rateLimit` options with their defaults applied. */
  readonly settings: RateLimitSettings;

  private constructor(
    registry: RedisRegistry,
    keyspace: Keyspace,
    metrics: MetricsService,
    /** The validated `rateLimit` options. */
    readonly options: RateLimitOptions,
    private readonly tracing: Tracing,
  ) {
    this.settings = resolveRateLimitSettings(options);
    const connection = registry.get(this.settings.connection);
    // Checked again: a connection's commandTimeout may be 0 (no timeout), a limiter needs a budget.
    this.link = new LimiterConnection(connection, toPositiveMs(this.settings.commandTimeout ?? connection.commandTimeout, 'rateLimit.commandTimeout'));
    this.decisions = metrics.counter('rate_limit_decisions_total', 'Rate-limit decisions by policy and result (allowed | blocked)', ['policy', 'result']);
    this.fallback = new RateLimitFallback(this.settings, metrics);
    this.plans = new DecisionPlans(this.link, keyspace, (p) => this.fallback.register(p));
    const secretKey = keyspace.key(RATE_LIMIT_FEATURE, 'key-secret');
    this.secret = new PartitionSecret((candidate) => this.runScript<string | null>(keySecretScript, [secretKey], [candidate]), this.settings.keySecret);
  }

  /**
   * Builds the limiter; used by the module's provider. With a `rateLimit` section its
   * connection is opened now and boot fails when Redis does not answer; without one it opens
   * on first use.
   */
  static async create(registry: RedisRegistry, keyspace: Keyspace, metrics: MetricsService, moduleOptions: RedisModuleOptions, tracing = Tracing.off): Promise<RateLimiterService> {
    const service = new RateLimiterService(registry, keyspace, metrics, (moduleOptions.rateLimit ?? {}) as RateLimitOptions, tracing);
    if (moduleOptions.rateLimit !== undefined) await service.link.open();
    return service;
  }

  /** The limiter's own client (see `LIMITER_CLIENT_OPTIONS`); reading it opens the connection if not yet open. */
  get client(): RedisClient {
    return this.link.client;
  }

  /** The per-instance limiter of the `memory` failure policy. */
  get memory(): MemoryRateLimiter {
    return this.fallback.memory;
  }

  /** The module-wide failure policy. */
  get failure(): RateLimitFailurePolicy {
    return this.fallback.failure;
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
    this.fallback.memory.reset(String(key), p);
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
    return this.plans.keys(key, this.plans.of('windowMs' in policy ? policy : resolvePolicy(policy)));
  }

  /**
   * Runs a Redis call on the limiter's connection through the circuit breaker, refusing at once
   * when the connection is not ready (never queued). For rate-limit extensions such as
   * `RediskitThrottlerStorage`.
   */
  execute<T>(call: (client: RedisClient) => Promise<T>): Promise<T> {
    return this.link.execute(call);
  }

  /** Runs a rate-limit Lua script like {@link execute}. */
  runScript<T>(script: LuaScript, keys: string[], args: ScriptArg[]): Promise<T> {
    return this.link.runScript(script, keys, args);
  }

  /** Records that a decision came from the failure policy; logs once per outage. */
  noteFallback(policy: string, mode: RateLimitFailurePolicy, error: unknown): void {
    this.fallback.noteFallback(policy, mode, error);
  }

  /** Records that Redis answered again. */
  noteRecovered(): void {
    this.fallback.noteRecovered();
  }

  private async decide(key: KeyPart, p: ResolvedPolicy, cost: number, write: boolean): Promise<RateLimitDecision> {
    const plan = this.plans.of(p);
    const keys = this.plans.keys(key, plan);
    let raw: RawDecision;
    let fallback: RateLimitFailurePolicy | undefined;
    try {
      raw = await plan.batcher.call(keys, [p.limit, p.windowMs, write ? cost : -cost, p.capacity, p.blockMs]);
      if (this.fallback.outage) this.fallback.noteRecovered();
    } catch (error) {
      fallback = this.fallback.modeOf(p);
      raw = this.fallback.decide(String(key), p, cost, write, fallback);
      this.fallback.noteFallback(p.name, fallback, error);
    }
    const allowed = raw[0] === 1;
    if (write) this.counters(p.name)[allowed ? 'allowed' : 'blocked'].inc();
    const decision: RateLimitDecision = { allowed, limit: p.capacity, remaining: raw[1], resetMs: raw[2], retryAfterMs: raw[3], policy: p.name };
    if (fallback) decision.fallback = fallback;
    return decision;
  }

  private counters(policy: string): { allowed: BoundCounter; blocked: BoundCounter } {
    let c = this.perPolicy.get(policy);
    if (!c) {
      c = { allowed: this.decisions.labels({ policy, result: 'allowed' }), blocked: this.decisions.labels({ policy, result: 'blocked' }) };
      this.perPolicy.set(policy, c);
    }
    return c;
  }
}
