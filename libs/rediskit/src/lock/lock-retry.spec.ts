import { describe, expect, it } from '@jest/globals';
import { RediskitArgumentError } from '../errors.js';
import { DEFAULT_RETRY, pause, pauseBeforeRetry, retryPolicy } from './lock-retry.js';

describe('retry policy', () => {
  it('merges over the base and parses durations', () => {
    expect(retryPolicy(undefined, DEFAULT_RETRY)).toBe(DEFAULT_RETRY);
    expect(retryPolicy({ attempts: 5, delay: '1s' }, DEFAULT_RETRY)).toEqual({ attempts: 5, delay: 1000, jitter: 50, maxWait: undefined });
    expect(retryPolicy({ attempts: Infinity, maxWait: '2s' }, DEFAULT_RETRY).maxWait).toBe(2000);
  });

  it('rejects negative or fractional attempts and bad durations, naming the argument', () => {
    for (const attempts of [-1, 1.5, NaN, '3' as never]) {
      expect(() => retryPolicy({ attempts }, DEFAULT_RETRY)).toThrow(RediskitArgumentError);
    }
    expect(() => retryPolicy({ delay: -5 }, DEFAULT_RETRY)).toThrow(/retry\.delay/);
    expect(() => retryPolicy({ maxWait: 0 }, DEFAULT_RETRY)).toThrow(/retry\.maxWait/);
  });

  it('waits no longer than the holder’s remaining lease, plus jitter', () => {
    const policy = { attempts: 3, delay: 100, jitter: 10 };
    for (let i = 0; i < 50; i++) {
      const short = pauseBeforeRetry(policy, 20);
      expect(short).toBeGreaterThanOrEqual(20);
      expect(short).toBeLessThan(30);
      const long = pauseBeforeRetry(policy, 5000);
      expect(long).toBeGreaterThanOrEqual(100);
      expect(long).toBeLessThan(110);
    }
  });

  it('pause rejects with the signal’s reason when aborted', async () => {
    const controller = new AbortController();
    const waiting = pause(10_000, controller.signal);
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    await expect(pause(1)).resolves.toBeUndefined();
  });
});
