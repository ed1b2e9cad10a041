/**
 * How long to wait before try `attempt + 1`: exponential backoff from `minDelay` with equal
 * jitter (half fixed, half random, so instances that failed together spread out), raised to the
 * CDN's `Retry-After` when it asked for longer, and never more than `maxDelay`: a CDN asking
 * for an hour does not hold the queue for an hour.
 */
export function retryDelay(attempt: number, minDelay: number, maxDelay: number, retryAfterMs?: number, random = Math.random): number {
  const ceiling = Math.min(maxDelay, minDelay * 2 ** Math.min(attempt - 1, 30));
  const jittered = ceiling / 2 + random() * (ceiling / 2);
  return Math.min(maxDelay, Math.max(jittered, retryAfterMs ?? 0));
}
