import { describe, expect, it } from '@jest/globals';
import { RediskitArgumentError } from '../errors.js';
import { lockKeyResolver } from './lock-key.js';

describe('lockKeyResolver', () => {
  it('fills positional placeholders and property paths', () => {
    expect(lockKeyResolver('invoice:{0}', 'A.b')(['7'])).toBe('invoice:7');
    expect(lockKeyResolver('user:{1.profile.id}:{0}', 'A.b')(['x', { profile: { id: 42 } }])).toBe('user:42:x');
    expect(lockKeyResolver('nightly-report', 'A.b')([])).toBe('nightly-report');
  });

  it('accepts a function of the arguments', () => {
    expect(lockKeyResolver((a: number, b: number) => `pair:${Math.min(a, b)}:${Math.max(a, b)}`, 'A.b')([9, 2])).toBe('pair:2:9');
  });

  it('rejects malformed templates at decoration time, naming the method', () => {
    expect(() => lockKeyResolver('x:{name}', 'Billing.pay')).toThrow(/Billing\.pay.*\{name\}/);
    expect(() => lockKeyResolver('', 'Billing.pay')).toThrow(RediskitArgumentError);
    expect(() => lockKeyResolver(undefined as never, 'Billing.pay')).toThrow(RediskitArgumentError);
  });

  it('fails the call when a placeholder resolves to nothing usable', () => {
    const resolve = lockKeyResolver('order:{0.id}', 'Orders.ship');
    expect(() => resolve([{}])).toThrow(RediskitArgumentError);
    expect(() => resolve([null])).toThrow(RediskitArgumentError);
    expect(() => resolve([{ id: { nested: true } }])).toThrow(/must be a non-empty string or a number/);
    expect(() => lockKeyResolver(() => '', 'A.b')([])).toThrow(RediskitArgumentError);
  });
});
