import { redisSpanAttributes } from '../tracing/span-attributes.js';
import type { Tracing } from '../tracing/tracing.js';
import type { RateLimitDecision, ResolvedPolicy } from './rate-limit.policy.js';

/**
 * Runs a decision in a span `rediskit.rate_limit.consume | peek` that says what was decided:
 * allowed, remaining, the policy's name and algorithm, and the failure policy when Redis could
 * not be asked. The partition (an IP, a user id, an API key) is never recorded.
 */
export function tracedDecision(tracing: Tracing, operation: 'consume' | 'peek', p: ResolvedPolicy, cost: number, decide: () => Promise<RateLimitDecision>): Promise<RateLimitDecision> {
  const attributes = redisSpanAttributes(`rate_limit.${operation}`, { 'rediskit.rate_limit.policy': p.name, 'rediskit.rate_limit.algorithm': p.algorithm, 'rediskit.rate_limit.cost': cost });
  return tracing.trace(`rediskit.rate_limit.${operation}`, 'client', attributes, async (span) => {
    const decision = await decide();
    if (span) {
      span.setAttribute('rediskit.rate_limit.allowed', decision.allowed);
      span.setAttribute('rediskit.rate_limit.remaining', decision.remaining);
      if (decision.fallback) span.setAttribute('rediskit.rate_limit.fallback', decision.fallback);
    }
    return decision;
  });
}
