import { LRUCache } from 'lru-cache';
import { RATE_LIMIT_DEFAULTS } from './rate-limit.settings.js';
import { resolvePolicy, type RateLimitPolicy, type ResolvedPolicy } from './rate-limit.policy.js';

/** allowed (0|1), remaining, resetMs, retryAfterMs: the tuple the Lua scripts return (an admitted call may omit retryAfterMs). */
export type RawDecision = [number, number, number, number];

type FixedState = { w: number; c: number };
type LogState = { log: number[] };
type CounterState = { w: number; c: number; p: number };
type BucketState = { t: number; ts: number };
type GcraState = { tat: number };
type State = FixedState | LogState | CounterState | BucketState | GcraState | { blockedUntil: number };

/**
 * The five algorithms over process memory: the `memory` failure policy's limiter while Redis
 * cannot be asked. It mirrors the Lua scripts, but counts only what this instance sees (with N
 * instances a client may get up to N× the limit during an outage) and uses this machine's clock.
 * At most `maxKeys` partitions are tracked; the least recently used are forgotten first.
 *
 * @example
 * const memory = new MemoryRateLimiter();
 * const [allowed] = memory.decide('ip:1.2.3.4', { limit: 5, window: '1m' }, 1, true);
 */
export class MemoryRateLimiter {
  private readonly states: LRUCache<string, State>;

  constructor(
    maxKeys: number = RATE_LIMIT_DEFAULTS.memoryMaxKeys,
    private readonly clock: () => number = Date.now,
  ) {
    this.states = new LRUCache<string, State>({ max: maxKeys });
  }

  /** Decides one call; `write` false answers what the call would get, changing nothing. */
  decide(key: string, policy: RateLimitPolicy | ResolvedPolicy, cost: number, write: boolean): RawDecision {
    const p = 'windowMs' in policy ? policy : resolvePolicy(policy);
    const now = this.clock();
    const blockKey = `${p.name}\u0000block\u0000${key}`;
    if (p.blockMs > 0) {
      const block = this.states.get(blockKey) as { blockedUntil: number } | undefined;
      if (block && block.blockedUntil > now) {
        const left = Math.ceil(block.blockedUntil - now);
        return [0, 0, left, left];
      }
    }
    const stateKey = `${p.name}\u0000${p.algorithm}\u0000${key}`;
    const [decision, next] = ALGORITHMS[p.algorithm](this.states.get(stateKey) as never, now, p, cost);
    if (write && decision[0] === 1 && next) this.states.set(stateKey, next);
    if (decision[0] === 0 && p.blockMs > 0) {
      if (write) this.states.set(blockKey, { blockedUntil: now + p.blockMs });
      return [0, 0, Math.max(decision[2], p.blockMs), p.blockMs];
    }
    return decision;
  }

  reset(key: string, policy: RateLimitPolicy | ResolvedPolicy): void {
    const p = 'windowMs' in policy ? policy : resolvePolicy(policy);
    this.states.delete(`${p.name}\u0000${p.algorithm}\u0000${key}`);
    this.states.delete(`${p.name}\u0000block\u0000${key}`);
  }

  clear(): void {
    this.states.clear();
  }
}

type Step<S> = (state: S | undefined, now: number, p: ResolvedPolicy, cost: number) => [RawDecision, S | undefined];
const up = Math.ceil;

const fixedWindow: Step<FixedState> = (s, now, { limit, windowMs }, cost) => {
  const start = Math.floor(now) - (Math.floor(now) % windowMs);
  const count = s && s.w === start ? s.c : 0;
  const end = start + windowMs - now;
  if (count + cost > limit) return [[0, limit - count, up(end), up(end)], s];
  return [[1, limit - count - cost, up(end), 0], { w: start, c: count + cost }];
};

const slidingWindowLog: Step<LogState> = (s, now, { limit, windowMs }, cost) => {
  const log = (s?.log ?? []).filter((t) => t > now - windowMs);
  if (log.length + cost > limit) {
    const oldest = log[log.length + cost - limit - 1];
    return [[0, limit - log.length, up(log[log.length - 1] + windowMs - now), up(oldest + windowMs - now)], { log }];
  }
  for (let i = 0; i < cost; i++) log.push(now);
  return [[1, limit - log.length, up(windowMs), 0], { log }];
};

const slidingWindowCounter: Step<CounterState> = (s, now, { limit, windowMs: w }, cost) => {
  const start = Math.floor(now) - (Math.floor(now) % w);
  let curr = 0;
  let prev = 0;
  if (s?.w === start) [curr, prev] = [s.c, s.p];
  else if (s?.w === start - w) prev = s.c;
  const elapsed = now - start;
  const used = (prev * (w - elapsed)) / w + curr;
  if (used + cost > limit + 1e-9) {
    const retry = curr + cost <= limit ? w * (1 - (limit - cost - curr) / prev) - elapsed : w - elapsed + w * (1 - (limit - cost) / curr);
    const full = curr > 0 ? 2 * w - elapsed : w - elapsed;
    return [[0, Math.max(0, Math.floor(limit - used + 1e-9)), up(full), up(retry)], s];
  }
  return [[1, Math.max(0, Math.floor(limit - used - cost + 1e-9)), up(2 * w - elapsed), 0], { w: start, c: curr + cost, p: prev }];
};

const tokenBucket: Step<BucketState> = (s, now, { limit, windowMs, capacity }, cost) => {
  const rate = limit / windowMs;
  const tokens = s ? Math.min(capacity, s.t + Math.max(0, now - s.ts) * rate) : capacity;
  if (tokens + 1e-9 < cost) return [[0, Math.floor(tokens + 1e-9), up((capacity - tokens) / rate), up((cost - tokens) / rate)], s];
  const left = tokens - cost;
  return [[1, Math.floor(left + 1e-9), up((capacity - left) / rate), 0], { t: left, ts: now }];
};

const gcra: Step<GcraState> = (s, now, { limit, windowMs, capacity }, cost) => {
  const interval = windowMs / limit;
  const horizon = interval * capacity;
  const tat = Math.max(s?.tat ?? now, now);
  const next = tat + interval * cost;
  if (next - horizon - now > 0.001) return [[0, Math.floor((horizon - (tat - now)) / interval + 1e-6), up(tat - now), up(next - horizon - now)], s];
  return [[1, Math.floor((horizon - (next - now)) / interval + 1e-6), up(next - now), 0], { tat: next }];
};

const ALGORITHMS: Record<ResolvedPolicy['algorithm'], Step<never>> = {
  'fixed-window': fixedWindow as unknown as Step<never>,
  'sliding-window-log': slidingWindowLog as unknown as Step<never>,
  'sliding-window-counter': slidingWindowCounter as unknown as Step<never>,
  'token-bucket': tokenBucket as unknown as Step<never>,
  gcra: gcra as unknown as Step<never>,
};
