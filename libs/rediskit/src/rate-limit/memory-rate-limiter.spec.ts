import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { MemoryRateLimiter } from './memory-rate-limiter.js';
import { RATE_LIMIT_ALGORITHMS, resolvePolicy, type RateLimitAlgorithm } from './rate-limit.policy.js';

function limiter(start = 1_700_000_000_000) {
  let now = start;
  const memory = new MemoryRateLimiter(100, () => now);
  return { memory, advance: (ms: number) => (now += ms) };
}

describe('MemoryRateLimiter', () => {
  it.each(RATE_LIMIT_ALGORITHMS)('%s admits exactly the limit at once, then refuses with a retry time', (algorithm) => {
    const { memory } = limiter();
    const p = resolvePolicy({ limit: 5, window: '1m', algorithm, name: algorithm });
    const decisions = Array.from({ length: 8 }, () => memory.decide('k', p, 1, true));
    expect(decisions.map((d) => d[0])).toEqual([1, 1, 1, 1, 1, 0, 0, 0]);
    expect(decisions.slice(0, 5).map((d) => d[1])).toEqual([4, 3, 2, 1, 0]);
    for (const d of decisions.slice(5)) expect(d[3]).toBeGreaterThan(0);
  });

  it.each(RATE_LIMIT_ALGORITHMS)('%s admits again once retryAfterMs has passed', (algorithm) => {
    const { memory, advance } = limiter(1_700_000_000_123);
    const p = resolvePolicy({ limit: 3, window: 3000, algorithm, name: algorithm });
    for (let i = 0; i < 3; i++) memory.decide('k', p, 1, true);
    const refused = memory.decide('k', p, 1, true);
    expect(refused[0]).toBe(0);
    advance(refused[3] - 1);
    expect(memory.decide('k', p, 1, false)[0]).toBe(0);
    advance(1);
    expect(memory.decide('k', p, 1, true)[0]).toBe(1);
  });

  it('peek does not consume', () => {
    const { memory } = limiter();
    const p = resolvePolicy({ limit: 1, window: '1m' });
    expect(memory.decide('k', p, 1, false)[0]).toBe(1);
    expect(memory.decide('k', p, 1, true)[0]).toBe(1);
    expect(memory.decide('k', p, 1, false)[0]).toBe(0);
  });

  it('blockDuration keeps refusing after a refusal', () => {
    const { memory, advance } = limiter();
    const p = resolvePolicy({ limit: 1, window: 1000, blockDuration: 10_000, name: 'b' });
    memory.decide('k', p, 1, true);
    expect(memory.decide('k', p, 1, true)).toEqual([0, 0, 10_000, 10_000]);
    advance(5000);
    expect(memory.decide('k', p, 1, true)[0]).toBe(0);
    advance(5000);
    expect(memory.decide('k', p, 1, true)[0]).toBe(1);
  });

  it.each(RATE_LIMIT_ALGORITHMS)('%s: a peek answers exactly what the consume at the same instant decides (property)', (algorithm) => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 1, max: 3 })), { maxLength: 60 }), fc.boolean(), (steps, boxed) => {
        const { memory, advance } = limiter();
        const p = resolvePolicy({ limit: 5, window: 1000, algorithm, name: algorithm, ...(boxed ? { blockDuration: 700 } : {}) });
        for (const [dt, cost] of steps) {
          advance(dt);
          const peeked = memory.decide('k', p, cost, false);
          expect(memory.decide('k', p, cost, true)).toEqual(peeked);
        }
      }),
      { numRuns: 100 },
    );
  });

  // Exact algorithms never admit more than the limit within any window-long span; the bucket
  // algorithms never more than burst plus what refilled.
  it.each<RateLimitAlgorithm>(['sliding-window-log', 'token-bucket', 'gcra'])('%s never over-admits (property)', (algorithm) => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 400 }), fc.integer({ min: 1, max: 3 })), { maxLength: 200 }), (steps) => {
        const { memory, advance } = limiter();
        const p = resolvePolicy({ limit: 10, window: 1000, algorithm, name: algorithm });
        const admitted: [number, number][] = [];
        let t = 0;
        for (const [dt, cost] of steps) {
          advance(dt);
          t += dt;
          if (memory.decide('k', p, cost, true)[0] === 1) admitted.push([t, cost]);
        }
        for (const [start] of admitted) {
          const inSpan = admitted.filter(([at]) => at >= start && at < start + 1000).reduce((n, [, c]) => n + c, 0);
          expect(inSpan).toBeLessThanOrEqual(algorithm === 'sliding-window-log' ? 10 : 20);
        }
      }),
      { numRuns: 100 },
    );
  });
});
