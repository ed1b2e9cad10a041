import { RediskitArgumentError } from '../errors.js';
import type { RateLimitRule } from './rate-limit.options.js';
import { RATE_LIMIT_DEFAULTS } from './rate-limit.settings.js';
import { resolvePolicy, type RateLimitPolicy, type ResolvedPolicy } from './rate-limit.policy.js';

/** A rule with its name settled and its policy resolved. */
export interface PreparedRule {
  readonly rule: RateLimitRule;
  /** The rule as a named policy (what the limiter is called with). */
  readonly named: RateLimitPolicy;
  readonly policy: ResolvedPolicy;
}

const KEYS = ['ip', 'user', 'route', 'apiKey'];
const prepared = new WeakMap<RateLimitRule, PreparedRule>();

/**
 * Names an unnamed rule `default` and resolves its policy, once per rule object.
 *
 * @throws RediskitArgumentError for a bad policy, key or scope.
 */
export function prepare(rule: RateLimitRule): PreparedRule {
  let p = prepared.get(rule);
  if (!p) {
    if (rule.key !== undefined && typeof rule.key !== 'function' && !KEYS.includes(rule.key)) {
      throw new RediskitArgumentError('rule.key', `must be ${KEYS.join(', ')} or a function, got ${JSON.stringify(rule.key)}`);
    }
    if (rule.scope !== undefined && rule.scope !== 'route' && rule.scope !== 'global') {
      throw new RediskitArgumentError('rule.scope', `must be 'route' or 'global', got ${JSON.stringify(rule.scope)}`);
    }
    const named = rule.name === undefined ? { ...rule, name: RATE_LIMIT_DEFAULTS.rule.name } : rule;
    p = { rule, named, policy: resolvePolicy(named) };
    prepared.set(rule, p);
  }
  return p;
}
