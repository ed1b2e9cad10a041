/** How long one observation of Redis' clock is trusted before a script reads `TIME` again. */
const TRUST_MS = 30_000;

/**
 * Redis' clock as seen from this process: every script reply carries Redis' `TIME`; from it
 * the clock runs on on the local monotonic clock (immune to wall-clock jumps), and is read
 * again from Redis at least every 30 s. Reads that need no write (most requests) then skip the
 * script and still judge step-up verifications by Redis' time, give or take one network trip,
 * so app servers with drifting clocks agree. Writes always decide with `TIME` in Lua.
 */
export class RedisClock {
  private redisAt: number | undefined;
  private localAt = 0;

  /** True when a recent enough observation exists. */
  get fresh(): boolean {
    return this.redisAt !== undefined && performance.now() - this.localAt < TRUST_MS;
  }

  /** Records Redis' time of a reply that just arrived. */
  observe(redisNow: number): void {
    this.redisAt = redisNow;
    this.localAt = performance.now();
  }

  /** Redis' time now (ms), estimated. */
  now(): number {
    return (this.redisAt ?? Date.now()) + (performance.now() - this.localAt);
  }
}
