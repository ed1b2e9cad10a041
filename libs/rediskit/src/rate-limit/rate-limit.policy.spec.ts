import { describe, expect, it } from '@jest/globals';
import { RediskitArgumentError } from '../errors.js';
import { checkCost, resolvePolicy } from './rate-limit.policy.js';

describe('resolvePolicy', () => {
  it('fills defaults and parses durations', () => {
    expect(resolvePolicy({ limit: 10, window: '1m' })).toEqual({
      name: 'fw-10-60000ms', algorithm: 'fixed-window', limit: 10, windowMs: 60_000, cost: 1, capacity: 10, blockMs: 0, failure: undefined,
    });
    expect(resolvePolicy({ limit: 10, window: 1000, algorithm: 'gcra', burst: 3, blockDuration: '5s', name: 'x' })).toMatchObject({ capacity: 3, blockMs: 5000 });
  });

  it('caches by policy object', () => {
    const policy = { limit: 1, window: '1s' };
    expect(resolvePolicy(policy)).toBe(resolvePolicy(policy));
  });

  it.each([
    [{ limit: 0, window: '1s' }, 'policy.limit'],
    [{ limit: 1.5, window: '1s' }, 'policy.limit'],
    [{ limit: 1, window: 0 }, 'policy.window'],
    [{ limit: 1, window: 'soon' }, 'policy.window'],
    [{ limit: 1, window: '1s', algorithm: 'leaky' }, 'policy.algorithm'],
    [{ limit: 1, window: '1s', burst: 5 }, 'policy.burst'],
    [{ limit: 2, window: '1s', cost: 3 }, 'policy.cost'],
    [{ limit: 2, window: '1s', algorithm: 'token-bucket', burst: 1, cost: 2 }, 'policy.cost'],
    [{ limit: 1, window: '1s', failure: 'maybe' }, 'policy.failure'],
    [{ limit: 1, window: '1s', name: 'tab\there' }, 'policy.name'],
    [{ limit: 1, window: '1s', blockDuration: -1 }, 'policy.blockDuration'],
  ])('rejects %j naming %s', (policy, argument) => {
    let error: unknown;
    try {
      resolvePolicy(policy as never);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RediskitArgumentError);
    expect((error as RediskitArgumentError).argument).toBe(argument);
  });

  it('checks a per-call cost against the capacity', () => {
    const p = resolvePolicy({ limit: 5, window: '1s' });
    expect(checkCost(p, 5)).toBe(5);
    expect(() => checkCost(p, 6)).toThrow(RediskitArgumentError);
    expect(() => checkCost(p, 0)).toThrow(/cost must be an integer from 1 to/);
    expect(() => resolvePolicy({ limit: 5, window: '1m', blockDuration: 1e17 })).toThrow(/policy.blockDuration must be at most/);
    expect(() => resolvePolicy({ limit: 1e15, window: '1m' })).toThrow(/policy.limit must be an integer from 1 to 1000000000/);
  });
});
