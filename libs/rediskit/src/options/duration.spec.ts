import { describe, expect, it } from '@jest/globals';
import { RediskitArgumentError } from '../errors.js';
import { isDuration, MAX_DURATION_MS, MAX_TIMER_MS, toMs, toPositiveMs } from './duration.js';

describe('durations', () => {
  it('parse numbers and strings', () => {
    expect(toMs(1500)).toBe(1500);
    expect(toMs('15m')).toBe(900_000);
    expect(toMs('250')).toBe(250);
  });

  it('refuse what Redis or a timer cannot represent, naming the option', () => {
    expect(() => toMs(1e17, 'policy.blockDuration')).toThrow(RediskitArgumentError);
    expect(() => toMs(1e17, 'policy.blockDuration')).toThrow(/policy.blockDuration must be at most/);
    expect(() => toMs('200y')).toThrow(RediskitArgumentError);
    expect(toMs(MAX_DURATION_MS)).toBe(MAX_DURATION_MS);
    // Lua prints numbers below 1e14 as integers: now + the longest duration stays below it.
    expect(Date.now() + MAX_DURATION_MS).toBeLessThan(1e14);
    expect(() => toPositiveMs('30d', 'ttl', MAX_TIMER_MS)).toThrow(/at most 2147483647 ms/);
    expect(toPositiveMs('24d', 'ttl', MAX_TIMER_MS)).toBe(24 * 86_400_000);
    expect(isDuration(1e17)).toBe(false);
    expect(isDuration('1h')).toBe(true);
    expect(() => toMs(-1)).toThrow(RediskitArgumentError);
    expect(() => toMs(Number.NaN)).toThrow(RediskitArgumentError);
  });
});
