import { describe, expect, it, jest } from '@jest/globals';
import { RedisClock } from './redis-clock.js';

describe('RedisClock', () => {
  it('is unknown until observed, then runs on from Redis time on the monotonic clock', () => {
    const clock = new RedisClock();
    expect(clock.fresh).toBe(false);
    clock.observe(1_000_000);
    expect(clock.fresh).toBe(true);
    const now = clock.now();
    expect(now).toBeGreaterThanOrEqual(1_000_000);
    expect(now).toBeLessThan(1_000_000 + 1000);
  });

  it('ignores wall-clock jumps and asks Redis again after 30 s', () => {
    const clock = new RedisClock();
    const mono = jest.spyOn(performance, 'now').mockReturnValue(500);
    clock.observe(2_000_000);
    jest.spyOn(Date, 'now').mockReturnValue(0); // the wall clock jumps back
    mono.mockReturnValue(1_500);
    expect(clock.now()).toBe(2_001_000);
    expect(clock.fresh).toBe(true);
    mono.mockReturnValue(500 + 30_000);
    expect(clock.fresh).toBe(false);
    jest.restoreAllMocks();
  });
});
