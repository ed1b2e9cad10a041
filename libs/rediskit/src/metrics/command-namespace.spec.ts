import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Keyspace } from '../keyspace/keyspace.js';
import { RATE_LIMIT_FEATURE } from '../rate-limit/rate-limiter.service.js';
import { CommandNamespaces, firstKey, LIBRARY_NAMESPACES } from './command-namespace.js';

describe('CommandNamespaces / firstKey', () => {
  const keyspace = new Keyspace({ prefix: 'rk', app: 'shop', env: 'prod' });
  const namespaces = new CommandNamespaces(keyspace, ['orders']);

  it("gives the feature of rediskit's keys, never a user part", () => {
    expect(namespaces.of(keyspace.key('cache', 'users', 42))).toBe('cache');
    expect(namespaces.of(keyspace.slotted('lock', 'order:7', 'fence'))).toBe('lock');
    expect(namespaces.of(keyspace.root + 'session')).toBe('session');
    expect(namespaces.of(keyspace.slotted(RATE_LIMIT_FEATURE, 'x'))).toBe('ratelimit');
  });

  it('gives an allowlisted namespace its own value', () => {
    expect(namespaces.of(keyspace.key('orders', 7))).toBe('orders');
    expect(new CommandNamespaces(keyspace).of(keyspace.key('orders', 7))).toBe('other');
  });

  it('gives other for foreign keys, keyless commands and any other first segment', () => {
    expect(namespaces.of('someone-elses:key')).toBe('other');
    expect(namespaces.of(undefined)).toBe('other');
    expect(namespaces.of(keyspace.root + '{tag}:x')).toBe('other');
    expect(namespaces.of(keyspace.root + 'a%3Ab:x')).toBe('other');
    expect(namespaces.of(keyspace.root + 'user-42:cart')).toBe('other');
  });

  it('the values form a fixed set whatever the keys (property)', () => {
    const allowed = new Set([...LIBRARY_NAMESPACES, 'orders', 'other']);
    fc.assert(
      fc.property(fc.string(), fc.string(), (segment, rest) => {
        expect(allowed.has(namespaces.of(keyspace.root + segment + ':' + rest))).toBe(true);
      }),
    );
  });

  it('knows every feature the library writes keys under (read from the source)', () => {
    const src = fileURLToPath(new URL('..', import.meta.url));
    const files = (readdirSync(src, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'));
    const features = new Set(['health', RATE_LIMIT_FEATURE]); // RedisHealthIndicator.roundTrip's default, the rate limiter's constant
    for (const file of files) {
      // Code only: TSDoc examples may show keys of an app's own features.
      const code = readFileSync(join(src, file), 'utf8').split('\n').filter((line) => !/^\s*(\*|\/\/|\/\*)/.test(line)).join('\n');
      for (const m of code.matchAll(/keyspace\.(?:key|slotted|scope|pattern)\(\s*[`']([A-Za-z_-]+)/g)) features.add(m[1]);
    }
    expect(features.size).toBeGreaterThanOrEqual(10);
    expect([...features].filter((f) => !LIBRARY_NAMESPACES.includes(f))).toEqual([]);
  });

  it('finds the first key of plain commands and of scripts', () => {
    expect(firstKey('get', ['k1'])).toBe('k1');
    expect(firstKey('set', [Buffer.from('k2'), 'v'])).toBe('k2');
    expect(firstKey('evalsha', ['sha', '2', 'k3', 'k4', 'arg'])).toBe('k3');
    expect(firstKey('eval', ['return 1', '0', 'arg'])).toBeUndefined();
    expect(firstKey('ping', [])).toBeUndefined();
  });
});
