/** How long one observation of Redis' clock is trusted before a script reads `TIME` again. */
const TRUST_MS = 30_000;

/**
 * Redis' clock as seen from this process, one per connection: it is read with `TIME` whenever
 * the connection becomes ready, and scripts that return Redis' `TIME` (sessions) observe it
 * too; between observations it runs on the local monotonic clock (immune to wall-clock
 * jumps). Sessions judge step-up verifications by it without a script, and every script with
 * side effects gets its deadline from it, so app servers with drifting clocks agree. Writes
 * still decide with `TIME` in Lua.
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
