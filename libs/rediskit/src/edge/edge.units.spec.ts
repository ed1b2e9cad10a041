import { describe, expect, it } from '@jest/globals';
import { redisOptionsFromEnv } from '../redis-options.from-env.js';
import { retryAfterMs } from './purge-request.js';
import { retryDelay } from './retry-delay.js';
import { banPattern } from './varnish.adapter.js';

describe('edge units', () => {
  it('backs off exponentially with jitter, waits for Retry-After, never beyond maxDelay', () => {
    expect([1, 2, 3, 4].map((a) => retryDelay(a, 100, 10_000, undefined, () => 0))).toEqual([50, 100, 200, 400]);
    expect([1, 2, 3, 4].map((a) => retryDelay(a, 100, 10_000, undefined, () => 1))).toEqual([100, 200, 400, 800]);
    expect(retryDelay(20, 100, 10_000, undefined, () => 1)).toBe(10_000);
    expect(retryDelay(1, 100, 10_000, 3000, () => 0)).toBe(3000);
    expect(retryDelay(1, 100, 10_000, 3_600_000, () => 0)).toBe(10_000);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-11-30T12:00:00Z');
    expect(retryAfterMs('2', now)).toBe(2000);
    expect(retryAfterMs('Mon, 30 Nov 2026 12:00:05 GMT', now)).toBe(5000);
    expect(retryAfterMs('Mon, 30 Nov 2026 11:00:00 GMT', now)).toBe(0);
    expect([retryAfterMs(null), retryAfterMs('soon')]).toEqual([undefined, undefined]);
  });

  it('bans tags as whole words, regex characters literal', () => {
    const re = new RegExp(banPattern(['a.b', 'p($)+*']).replaceAll('[[:space:],]', '[\\s,]'));
    expect(['x a.b', 'a.b,y', 'p($)+*'].map((h) => re.test(h))).toEqual([true, true, true]);
    expect(['aXb', 'a.bc', 'xa.b', 'p($)++*'].map((h) => re.test(h))).toEqual([false, false, false, false]);
  });

  it('reads the edge section from the environment', () => {
    expect(redisOptionsFromEnv({}).edge).toBeUndefined();
    expect(redisOptionsFromEnv({ EDGE_VARNISH_SERVERS: 'http://v1:6081, http://v2:6081', EDGE_VARNISH_MODE: 'ban', EDGE_MAX_QUEUE: '500' }).edge).toEqual({
      varnish: { servers: ['http://v1:6081', 'http://v2:6081'], mode: 'ban' },
      maxQueue: 500,
    });
    expect(redisOptionsFromEnv({ EDGE_FASTLY_SERVICE_ID: 's', EDGE_FASTLY_API_KEY: 'k' }).edge).toEqual({ fastly: { serviceId: 's', apiKey: 'k' } });
    expect(redisOptionsFromEnv({ EDGE_CLOUDFLARE_ZONE_ID: 'z', EDGE_CLOUDFLARE_API_TOKEN: 't' }).edge).toEqual({ cloudflare: { zoneId: 'z', apiToken: 't' } });
    expect(() => redisOptionsFromEnv({ EDGE_VARNISH_SERVERS: 'http://v', EDGE_VARNISH_MODE: 'purge', EDGE_MAX_QUEUE: '0' })).toThrow(/EDGE_VARNISH_MODE[\s\S]*EDGE_MAX_QUEUE/);
  });
});
