import type { RateLimitDecision, ResolvedPolicy } from './rate-limit.policy.js';

/** One policy's decision for one request, as the headers describe it. */
export interface HeaderEntry {
  policy: ResolvedPolicy;
  decision: RateLimitDecision;
  /** The partition key, already hashed: never a raw IP or user id. */
  partitionKey: Buffer;
}

/** An RFC 8941 sf-string: printable ASCII in quotes, `"` and `\` escaped. */
export function sfString(value: string): string {
  return `"${value.replace(/[\\"]/g, '\\$&')}"`;
}

/** An RFC 8941 sf-integer (at most 15 digits), clamped to ≥ 0. */
export function sfInteger(value: number): string {
  return String(Math.min(999_999_999_999_999, Math.max(0, Math.trunc(value))));
}

/** An RFC 8941 byte sequence. */
export function sfBytes(value: Buffer): string {
  return `:${value.toString('base64')}:`;
}

const seconds = (ms: number) => Math.ceil(ms / 1000);

/**
 * `RateLimit-Policy` (draft-ietf-httpapi-ratelimit-headers): one item per policy, with its
 * quota `q`, window `w` in seconds and partition key `pk`.
 *
 * @example
 * rateLimitPolicyField(entries) // '"burst";q=10;w=1;pk=:3q2+7w==:, "daily";q=1000;w=86400;pk=:3q2+7w==:'
 */
export function rateLimitPolicyField(entries: HeaderEntry[]): string {
  return entries
    .map(({ policy, partitionKey }) => `${sfString(policy.name)};q=${sfInteger(policy.capacity)};w=${sfInteger(Math.max(1, seconds(policy.windowMs)))};pk=${sfBytes(partitionKey)}`)
    .join(', ');
}

/**
 * `RateLimit`: one item per policy with the available quota `r`, the seconds `t` until the
 * quota is fully restored, and the partition key `pk`.
 *
 * @example
 * rateLimitField(entries) // '"burst";r=9;t=1;pk=:3q2+7w==:, "daily";r=999;t=86400;pk=:3q2+7w==:'
 */
export function rateLimitField(entries: HeaderEntry[]): string {
  return entries
    .map(({ policy, decision, partitionKey }) => `${sfString(policy.name)};r=${sfInteger(decision.remaining)};t=${sfInteger(seconds(decision.resetMs))};pk=${sfBytes(partitionKey)}`)
    .join(', ');
}

/** The most constrained decision (least remaining, then longest reset), for X-RateLimit-*. */
export function mostConstrained(entries: HeaderEntry[]): HeaderEntry {
  return entries.reduce((a, b) =>
    b.decision.remaining < a.decision.remaining || (b.decision.remaining === a.decision.remaining && b.decision.resetMs > a.decision.resetMs) ? b : a,
  );
}
