import { describe, expect, it } from '@jest/globals';
import { Reflector } from '@nestjs/core';
import { RediskitArgumentError, RediskitConfigError } from '../errors.js';
import { validateModuleOptions } from '../redis-module.validation.js';
import { RateLimit } from './rate-limit.decorator.js';
import { RateLimitGuard } from './rate-limit.guard.js';
import type { RateLimiterService } from './rate-limiter.service.js';

describe('rateLimit options', () => {
  it('invalid options fail at boot listing every bad field', () => {
    let error: unknown;
    try {
      validateModuleOptions({
        connection: { url: 'redis://localhost:6379' },
        rateLimit: {
          failure: 'maybe' as never,
          defaults: [{ limit: 0, window: 'soon', algorithm: 'leaky' as never, key: 'cookie' as never }],
          ipv6Subnet: 200,
          headers: { legacy: 'yes' as never },
          user: 'id' as never,
        },
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RediskitConfigError);
    const problems = (error as RediskitConfigError).problems.join('\n');
    for (const field of ['rateLimit.failure', 'rateLimit.defaults.0.limit', 'rateLimit.defaults.0.window', 'rateLimit.defaults.0.algorithm', 'rateLimit.defaults.0.key', 'rateLimit.ipv6Subnet', 'rateLimit.headers', 'rateLimit.user']) {
      expect(problems).toContain(field);
    }
  });

  it('accepts a single default rule or a list', () => {
    expect(() => validateModuleOptions({ connection: { url: 'redis://x:1' }, rateLimit: { defaults: { limit: 5, window: '1m' } } })).not.toThrow();
    expect(() => validateModuleOptions({ connection: { url: 'redis://x:1' }, rateLimit: { defaults: [{ limit: 5, window: '1m', key: () => 'k' }], headers: false } })).not.toThrow();
  });

  it('a default rule that is valid field by field but not as a whole fails when the guard is built', () => {
    const build = () => new RateLimitGuard(new Reflector(), {} as RateLimiterService, { connection: {}, rateLimit: { defaults: [{ limit: 5, window: '1m', burst: 2 }] } });
    expect(build).toThrow(RediskitConfigError);
    expect(build).toThrow(/rateLimit\.defaults\[0\]: policy\.burst applies to token-bucket and gcra only/);
  });

  it("a default rule with key 'apiKey' needs rateLimit.apiKeys", () => {
    const build = (apiKeys?: () => null) => () => new RateLimitGuard(new Reflector(), {} as RateLimiterService, { connection: {}, rateLimit: { apiKeys, defaults: [{ limit: 5, window: '1m' }, { name: 'k', limit: 5, window: '1m', key: 'apiKey' }] } });
    expect(build()).toThrow(RediskitConfigError);
    expect(build()).toThrow(/rateLimit\.defaults\[1\]: key 'apiKey' needs rateLimit\.apiKeys/);
    expect(build(() => null)).not.toThrow();
  });

  it('keySecret must be at least 16 characters; apiKeys a function', () => {
    const problems = (rateLimit: object) => {
      try {
        validateModuleOptions({ connection: { url: 'redis://x:1' }, rateLimit });
        return '';
      } catch (e) {
        return (e as RediskitConfigError).problems.join('\n');
      }
    };
    expect(problems({ keySecret: 'short', apiKeys: 'keys' })).toMatch(/keySecret[\s\S]*apiKeys|apiKeys[\s\S]*keySecret/);
    expect(problems({ keySecret: 'x'.repeat(16), apiKeys: () => null })).toBe('');
  });

  it('@RateLimit rejects a bad rule when the class is defined', () => {
    expect(() => RateLimit({ limit: 5, window: '1m', cost: 9 })).toThrow(RediskitArgumentError);
    expect(() => RateLimit({ limit: 5, window: '1m', key: 'cookie' as never })).toThrow(/rule\.key/);
  });
});
