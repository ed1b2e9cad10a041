import { toPositiveMs } from '../options/duration.js';
import type { RateLimitHeaderOptions, RateLimitOptions, RateLimitRule } from './rate-limit.options.js';
import type { RateLimitFailurePolicy } from './rate-limit.policy.js';

/**
 * What the `rateLimit` options, policies and guard rules default to (their `@default` tags say
 * the same), and internal limits. No default depends on NODE_ENV.
 */
export const RATE_LIMIT_DEFAULTS = {
  failure: 'open',
  ipv6Subnet: 64,
  apiKeyHeader: 'x-api-key',
  memoryMaxKeys: 10_000,
  headers: { standard: true, legacy: false },
  /** A policy's `algorithm` and `cost`. */
  policy: { algorithm: 'fixed-window', cost: 1 },
  /** A guard rule's `key`, and the name of a rule without one (`scope` is `'route'` unless it says `'global'`). */
  rule: { key: 'ip', name: 'default' },
  /** How long a fail-closed refusal tells the client to wait: Redis may be back by then. */
  closedRetryAfterMs: 1000,
} as const;

/** A guard rule's `key`, its default applied. */
export const ruleKey = (rule: Pick<RateLimitRule, 'key'>): NonNullable<RateLimitRule['key']> => rule.key ?? RATE_LIMIT_DEFAULTS.rule.key;

/** A policy's `algorithm`, its default applied (checked by the caller: it comes from options or a decorator). */
export const policyAlgorithm = (policy: { algorithm?: string }): string => policy.algorithm ?? RATE_LIMIT_DEFAULTS.policy.algorithm;

/** The `rateLimit` options with every default applied, durations in ms. */
export interface RateLimitSettings extends Pick<RateLimitOptions, 'connection' | 'apiKeys' | 'keySecret'> {
  /** Unset: the connection's `commandTimeout`. */
  commandTimeout?: number;
  failure: RateLimitFailurePolicy;
  defaults: RateLimitRule[];
  /** `false`: no rate-limit headers. */
  headers: Required<Omit<RateLimitHeaderOptions, 'partitionKeySecret'>> | false;
  /** Unset: a random secret per process. */
  partitionKeySecret?: string;
  ipv6Subnet: number;
  apiKeyHeader: string;
  user: (request: any) => string | number | undefined | null;
  memoryMaxKeys: number;
}

// `key: 'user'` without `rateLimit.user`.
const userOf = (request: any) => request.user?.id ?? request.user?.sub;

/** Applies the defaults of {@link RateLimitOptions}. */
export function resolveRateLimitSettings(options: RateLimitOptions = {}): RateLimitSettings {
  const h = options.headers;
  return {
    connection: options.connection,
    commandTimeout: options.commandTimeout === undefined ? undefined : toPositiveMs(options.commandTimeout, 'rateLimit.commandTimeout'),
    failure: options.failure ?? RATE_LIMIT_DEFAULTS.failure,
    defaults: options.defaults === undefined ? [] : ([] as RateLimitRule[]).concat(options.defaults),
    headers:
      h === false
        ? false
        : typeof h === 'object'
          ? { standard: h.standard ?? RATE_LIMIT_DEFAULTS.headers.standard, legacy: h.legacy ?? RATE_LIMIT_DEFAULTS.headers.legacy }
          : { ...RATE_LIMIT_DEFAULTS.headers },
    partitionKeySecret: typeof h === 'object' ? h.partitionKeySecret : undefined,
    ipv6Subnet: options.ipv6Subnet ?? RATE_LIMIT_DEFAULTS.ipv6Subnet,
    apiKeyHeader: options.apiKeyHeader ?? RATE_LIMIT_DEFAULTS.apiKeyHeader,
    apiKeys: options.apiKeys,
    keySecret: options.keySecret,
    user: options.user ?? userOf,
    memoryMaxKeys: options.memoryMaxKeys ?? RATE_LIMIT_DEFAULTS.memoryMaxKeys,
  };
}
