import { describe, expect, it } from '@jest/globals';
import { Keyspace } from '../keyspace/keyspace.js';
import { firstKey, namespaceOf } from './command-namespace.js';

describe('namespaceOf / firstKey', () => {
  const keyspace = new Keyspace({ prefix: 'rk', app: 'shop', env: 'prod' });

  it('gives the feature of keys built by the keyspace, never a user part', () => {
    expect(namespaceOf(keyspace, keyspace.key('cache', 'users', 42))).toBe('cache');
    expect(namespaceOf(keyspace, keyspace.slotted('lock', 'order:7', 'fence'))).toBe('lock');
    expect(namespaceOf(keyspace, keyspace.root + 'session')).toBe('session');
  });

  it('gives other for foreign keys, keyless commands and user-looking segments', () => {
    expect(namespaceOf(keyspace, 'someone-elses:key')).toBe('other');
    expect(namespaceOf(keyspace, undefined)).toBe('other');
    expect(namespaceOf(keyspace, keyspace.root + '{tag}:x')).toBe('other');
    expect(namespaceOf(keyspace, keyspace.root + 'a%3Ab:x')).toBe('other');
  });

  it('finds the first key of plain commands and of scripts', () => {
    expect(firstKey('get', ['k1'])).toBe('k1');
    expect(firstKey('set', [Buffer.from('k2'), 'v'])).toBe('k2');
    expect(firstKey('evalsha', ['sha', '2', 'k3', 'k4', 'arg'])).toBe('k3');
    expect(firstKey('eval', ['return 1', '0', 'arg'])).toBeUndefined();
    expect(firstKey('ping', [])).toBeUndefined();
  });
});
