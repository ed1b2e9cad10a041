import { describe, expect, it } from '@jest/globals';
import { mostConstrained, rateLimitField, rateLimitPolicyField, sfString, type HeaderEntry } from './rate-limit.headers.js';
import { resolvePolicy } from './rate-limit.policy.js';

const entry = (name: string, limit: number, window: string, remaining: number, resetMs: number): HeaderEntry => ({
  policy: resolvePolicy({ name, limit, window }),
  decision: { allowed: remaining > 0, limit, remaining, resetMs, retryAfterMs: 0, policy: name },
  partitionKey: Buffer.from([1, 2, 3]),
});

describe('rate-limit headers', () => {
  it('writes one structured-field item per policy', () => {
    const entries = [entry('burst', 10, '1s', 9, 400), entry('daily', 1000, '1d', 990, 86_000_000)];
    expect(rateLimitPolicyField(entries)).toBe('"burst";q=10;w=1;pk=:AQID:, "daily";q=1000;w=86400;pk=:AQID:');
    expect(rateLimitField(entries)).toBe('"burst";r=9;t=1;pk=:AQID:, "daily";r=990;t=86000;pk=:AQID:');
  });

  it('escapes quotes and backslashes in names', () => {
    expect(sfString('a"b\\c')).toBe('"a\\"b\\\\c"');
  });

  it('picks the most constrained policy for X-RateLimit-*', () => {
    expect(mostConstrained([entry('a', 10, '1s', 3, 100), entry('b', 10, '1m', 3, 5000), entry('c', 10, '1h', 4, 9)]).policy.name).toBe('b');
  });
});
