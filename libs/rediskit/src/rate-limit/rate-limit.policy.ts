import { RediskitArgumentError } from '../errors.js';
import { toPositiveMs, type Duration } from '../options/duration.js';
import { policyAlgorithm, RATE_LIMIT_DEFAULTS } from './rate-limit.settings.js';

/**
 * How a limiter counts:
 * - `fixed-window`: a counter per window aligned to Redis time; cheapest, allows up to 2× the
 *   limit across a window boundary.
 * - `sliding-window-log`: one entry per admitted unit; exact over any window-long span, memory
 *   grows with the limit.
 * - `sliding-window-counter`: this and the previous window's counters, weighted; approximate,
 *   constant memory.
 * - `token-bucket`: `burst` tokens, refilled at `limit / window`.
 * - `gcra`: the generic cell rate algorithm; same shape as a token bucket, one number of state.
 */
export type RateLimitAlgorithm = 'fixed-window' | 'sliding-window-log' | 'sliding-window-counter' | 'token-bucket' | 'gcra';

/**
 * Every algorithm name, e.g. to benchmark or validate.
 *
 * @example
 * for (const algorithm of RATE_LIMIT_ALGORITHMS) await limiter.peek(key, { limit: 10, window: '1m', algorithm });
 */
export const RATE_LIMIT_ALGORITHMS: readonly RateLimitAlgorithm[] = ['fixed-window', 'sliding-window-log', 'sliding-window-counter', 'token-bucket', 'gcra'];

/**
 * What to decide when Redis cannot be asked (down, circuit open, command timeout):
 * `open` admits, `closed` refuses, `memory` decides with a per-instance in-memory limiter of
 * the same policy.
 */
export type RateLimitFailurePolicy = 'open' | 'closed' | 'memory';

/**
 * A rate-limit policy: at most `limit` units per `window`.
 *
 * @example
 * const perMinute: RateLimitPolicy = { name: 'api', limit: 60, window: '1m', algorithm: 'gcra', burst: 10 };
 */
export interface RateLimitPolicy {
  /** Units admitted per window. */
  limit: number;
  /** The window: ms or a string such as `'15m'`. */
  window: Duration;
  /** How requests are counted. @default `'fixed-window'` */
  algorithm?: RateLimitAlgorithm;
  /** Units one call consumes. @default 1 */
  cost?: number;
  /** Bucket capacity for `token-bucket` and `gcra`: how many may come at once. @default `limit` */
  burst?: number;
  /** Once refused, refuse this key for this long (penalty box). @default none */
  blockDuration?: Duration;
  /**
   * Names the policy: its keys, its metrics label and its item in the `RateLimit` headers.
   * @default a tag of the algorithm, the limit and the window, e.g. `fw-100-60000ms`
   */
  name?: string;
  /** What to decide for this policy when Redis cannot be asked. @default `rateLimit.failure` */
  failure?: RateLimitFailurePolicy;
}

/**
 * The outcome of {@link RateLimiterService.consume} or `peek`.
 *
 * @example
 * const d = await limiter.consume(`login:${ip}`, RateLimitPresets.AUTH);
 * if (!d.allowed) throw new HttpException('slow down', 429, { cause: d.retryAfterMs });
 */
export interface RateLimitDecision {
  /** Whether this call (consume) or a call of this cost (peek) is admitted. */
  allowed: boolean;
  /** The policy's limit (`burst` for token-bucket and gcra when set). */
  limit: number;
  /** Units still available after this call (peek: after a call of this cost, as consume would leave them). */
  remaining: number;
  /** Ms until the quota is fully restored if nothing else is consumed. */
  resetMs: number;
  /** Ms to wait before a call of this cost can be admitted (0 when allowed). */
  retryAfterMs: number;
  /** The policy's name. */
  policy: string;
  /** Set when Redis could not be asked and the failure policy decided instead. */
  fallback?: RateLimitFailurePolicy;
}

/** A policy checked once and turned into what the scripts need. */
export interface ResolvedPolicy {
  readonly name: string;
  readonly algorithm: RateLimitAlgorithm;
  readonly limit: number;
  readonly windowMs: number;
  readonly cost: number;
  /** `burst` for token-bucket / gcra, else `limit`. */
  readonly capacity: number;
  readonly blockMs: number;
  readonly failure?: RateLimitFailurePolicy;
}

const ALGORITHM_TAGS: Record<RateLimitAlgorithm, string> = {
  'fixed-window': 'fw',
  'sliding-window-log': 'swl',
  'sliding-window-counter': 'swc',
  'token-bucket': 'tb',
  gcra: 'gcra',
};

/** Short tag of an algorithm, used in key names. */
export const algorithmTag = (algorithm: RateLimitAlgorithm): string => ALGORITHM_TAGS[algorithm];

const FAILURES: readonly RateLimitFailurePolicy[] = ['open', 'closed', 'memory'];
// Policy names travel in Structured Field strings and metric labels: printable ASCII only.
const NAME = /^[\x21-\x7e][\x20-\x7e]{0,63}$/;

const resolved = new WeakMap<RateLimitPolicy, ResolvedPolicy>();

/**
 * Validates a policy and resolves its defaults. Results are cached per policy object, so
 * passing the same (e.g. module-level constant) policy costs one lookup per call.
 *
 * @throws RediskitArgumentError naming the bad field.
 */
export function resolvePolicy(policy: RateLimitPolicy): ResolvedPolicy {
  if (typeof policy !== 'object' || policy === null) throw new RediskitArgumentError('policy', 'must be an object { limit, window }');
  let r = resolved.get(policy);
  if (!r) {
    r = check(policy);
    resolved.set(policy, r);
  }
  return r;
}

function check(p: RateLimitPolicy): ResolvedPolicy {
  const algorithm = policyAlgorithm(p) as RateLimitAlgorithm;
  if (!RATE_LIMIT_ALGORITHMS.includes(algorithm)) {
    throw new RediskitArgumentError('policy.algorithm', `must be one of ${RATE_LIMIT_ALGORITHMS.join(', ')}, got ${JSON.stringify(p.algorithm)}`);
  }
  const limit = positiveInt(p.limit, 'policy.limit');
  const windowMs = Math.max(1, Math.round(toPositiveMs(p.window, 'policy.window')));
  const bucket = algorithm === 'token-bucket' || algorithm === 'gcra';
  if (p.burst !== undefined && !bucket) {
    throw new RediskitArgumentError('policy.burst', `applies to token-bucket and gcra only (algorithm is ${algorithm})`);
  }
  const capacity = p.burst === undefined ? limit : positiveInt(p.burst, 'policy.burst');
  const cost = p.cost === undefined ? RATE_LIMIT_DEFAULTS.policy.cost : positiveInt(p.cost, 'policy.cost');
  if (cost > capacity) throw new RediskitArgumentError('policy.cost', `must not exceed ${bucket ? 'burst' : 'limit'} (${capacity}), got ${cost}`);
  const blockMs = p.blockDuration === undefined ? 0 : Math.max(1, Math.round(toPositiveMs(p.blockDuration, 'policy.blockDuration')));
  if (p.failure !== undefined && !FAILURES.includes(p.failure)) {
    throw new RediskitArgumentError('policy.failure', `must be one of ${FAILURES.join(', ')}, got ${JSON.stringify(p.failure)}`);
  }
  const name = p.name ?? `${ALGORITHM_TAGS[algorithm]}-${limit}-${windowMs}ms`;
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new RediskitArgumentError('policy.name', `must be 1-64 printable ASCII characters, got ${JSON.stringify(p.name)}`);
  }
  return Object.freeze({ name, algorithm, limit, windowMs, cost, capacity, blockMs, failure: p.failure });
}

/** Checks a per-call cost against a resolved policy. */
export function checkCost(policy: ResolvedPolicy, cost: number): number {
  const n = positiveInt(cost, 'cost');
  if (n > policy.capacity) throw new RediskitArgumentError('cost', `must not exceed ${policy.capacity} for policy "${policy.name}", got ${n}`);
  return n;
}

/**
 * The largest limit, burst or cost: counts and their sums stay exact integers in Lua, which
 * prints numbers of 1e14 and above in exponent form that Redis refuses as arguments.
 */
export const MAX_UNITS = 1_000_000_000;

function positiveInt(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > MAX_UNITS) {
    throw new RediskitArgumentError(name, `must be an integer from 1 to ${MAX_UNITS}, got ${JSON.stringify(value)}`);
  }
  return value;
}
