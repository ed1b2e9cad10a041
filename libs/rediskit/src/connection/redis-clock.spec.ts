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

  it("before any observation, is this machine's clock (not shifted by the process uptime)", () => {
    const clock = new RedisClock();
    jest.spyOn(performance, 'now').mockReturnValue(600_000); // a worker that has run for 10 minutes
    jest.spyOn(Date, 'now').mockReturnValue(5_000_000);
    expect(clock.now()).toBe(5_000_000);
    jest.restoreAllMocks();
  });

  it('places a TIME reading in the middle of its round trip, and drops a reading too slow to place', () => {
    const clock = new RedisClock();
    const mono = jest.spyOn(performance, 'now').mockReturnValue(1_040);
    expect(clock.observeReading(7_000_000, 1_000)).toBe(true);
    expect(clock.now()).toBe(7_000_020);
    mono.mockReturnValue(9_000); // a reply that took 8 s: Redis' TIME could be anywhere in them
    expect(clock.observeReading(9_000_000, 1_000)).toBe(false);
    expect(clock.now()).toBe(7_000_020 + 7_960);
    jest.restoreAllMocks();
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
