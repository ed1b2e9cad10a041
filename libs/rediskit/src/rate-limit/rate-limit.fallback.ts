import { RediskitLogger } from '../context/rediskit-logger.js';
import type { CounterMetric, MetricsService } from '../metrics/metrics.service.js';
import { MemoryRateLimiter, type RawDecision } from './memory-rate-limiter.js';
import type { RateLimitFailurePolicy, ResolvedPolicy } from './rate-limit.policy.js';
import { RATE_LIMIT_DEFAULTS, type RateLimitSettings } from './rate-limit.settings.js';

const CLOSED = RATE_LIMIT_DEFAULTS.closedRetryAfterMs;

/**
 * The failure policy: decides while Redis cannot be asked (`open` admits, `closed` refuses,
 * `memory` asks a per-instance {@link MemoryRateLimiter}), counts those decisions and logs
 * once per outage.
 */
export class RateLimitFallback {
  private readonly logger = new RediskitLogger('RateLimiter');
  private readonly fallbacks: CounterMetric;
  /** The per-instance limiter of the `memory` failure policy. */
  readonly memory: MemoryRateLimiter;
  /** The module-wide failure policy. */
  readonly failure: RateLimitFailurePolicy;
  /** Whether the last call to Redis failed (and the outage was logged). */
  outage = false;

  constructor(settings: RateLimitSettings, metrics: MetricsService) {
    this.memory = new MemoryRateLimiter(settings.memoryMaxKeys);
    this.failure = settings.failure;
    this.fallbacks = metrics.counter('rate_limit_fallbacks_total', 'Decisions taken by the failure policy because Redis could not be asked', ['policy', 'mode']);
  }

  /** The mode a policy falls back to: its own, else the module's. */
  modeOf(p: ResolvedPolicy): RateLimitFailurePolicy {
    return p.failure ?? this.failure;
  }

  /** Exports a policy's fallback counter at 0 from its first use, so an alert on its increase sees the first fallback. */
  register(p: ResolvedPolicy): void {
    this.fallbacks.inc({ policy: p.name, mode: this.modeOf(p) }, 0);
  }

  /** Decides one call as `mode` says. */
  decide(key: string, p: ResolvedPolicy, cost: number, write: boolean, mode: RateLimitFailurePolicy): RawDecision {
    if (mode === 'memory') return this.memory.decide(key, p, cost, write);
    if (mode === 'closed') return [0, 0, CLOSED, CLOSED];
    return [1, p.capacity - cost, 0, 0];
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
}
