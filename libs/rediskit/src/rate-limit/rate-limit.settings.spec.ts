import { describe, expect, it } from '@jest/globals';
import { RediskitArgumentError } from '../errors.js';
import { RATE_LIMIT_DEFAULTS, resolveRateLimitSettings } from './rate-limit.settings.js';

describe('resolveRateLimitSettings', () => {
  it('applies RATE_LIMIT_DEFAULTS to empty options', () => {
    const s = resolveRateLimitSettings();
    expect(s).toMatchObject({
      commandTimeout: undefined,
      failure: RATE_LIMIT_DEFAULTS.failure,
      defaults: [],
      headers: { standard: true, legacy: false },
      partitionKeySecret: undefined,
      ipv6Subnet: 64,
      apiKeyHeader: 'x-api-key',
      memoryMaxKeys: 10_000,
    });
    expect(s.user({ user: { sub: 'u1' } })).toBe('u1');
    expect(s.user({ user: { id: 7, sub: 'u1' } })).toBe(7);
  });

  it('keeps what is set, durations in ms, one rule as a list', () => {
    const rule = { limit: 5, window: '1m' };
    const user = () => 'me';
    const s = resolveRateLimitSettings({ commandTimeout: '2s', failure: 'memory', defaults: rule, ipv6Subnet: 48, apiKeyHeader: 'x-key', user, memoryMaxKeys: 3 });
    expect(s).toMatchObject({ commandTimeout: 2000, failure: 'memory', defaults: [rule], ipv6Subnet: 48, apiKeyHeader: 'x-key', user, memoryMaxKeys: 3 });
  });

  it.each([
    [undefined, { standard: true, legacy: false }],
    [true, { standard: true, legacy: false }],
    [false, false],
    [{ legacy: true }, { standard: true, legacy: true }],
    [{ standard: false, partitionKeySecret: 's' }, { standard: false, legacy: false }],
  ])('headers %j resolve to %j', (headers, expected) => {
    expect(resolveRateLimitSettings({ headers }).headers).toEqual(expected);
  });

  it('takes the partition key secret from the headers options', () => {
    expect(resolveRateLimitSettings({ headers: { partitionKeySecret: 'secret' } }).partitionKeySecret).toBe('secret');
  });

  it('names a bad commandTimeout', () => {
    expect(() => resolveRateLimitSettings({ commandTimeout: 0 })).toThrow(RediskitArgumentError);
    expect(() => resolveRateLimitSettings({ commandTimeout: 0 })).toThrow('rateLimit.commandTimeout');
  });
});
