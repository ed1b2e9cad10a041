/** How long one observation of Redis' clock is trusted before a script reads `TIME` again. */
const TRUST_MS = 30_000;
/**
 * A `TIME` reply is placed in the middle of its round trip, so it is off by up to half of it; a
 * slower reading (a busy server or event loop) could put deadlines seconds late and is dropped.
 */
const MAX_READING_ROUND_TRIP_MS = 100;

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

  /**
   * Records a `TIME` reply (ms) to a request sent at `sentAt` (performance.now()), unless its
   * round trip was too slow to place it; returns whether it was taken.
   */
  observeReading(redisTime: number, sentAt: number): boolean {
    const roundTrip = performance.now() - sentAt;
    if (roundTrip > MAX_READING_ROUND_TRIP_MS) return false;
    this.observe(redisTime + roundTrip / 2);
    return true;
  }

  /** Redis' time now (ms), estimated; this machine's clock until the first observation. */
  now(): number {
    return this.redisAt === undefined ? Date.now() : this.redisAt + (performance.now() - this.localAt);
  }
}
