import { RediskitArgumentError } from '../errors.js';
import { toMs, toPositiveMs } from '../options/duration.js';
import type { LockRetryOptions } from './lock.options.js';

/** A validated retry policy, in milliseconds. */
export interface RetryPolicy {
  attempts: number;
  delay: number;
  jitter: number;
  maxWait?: number;
}

/** Defaults when neither the call nor the module options say. */
export const DEFAULT_RETRY: RetryPolicy = Object.freeze({ attempts: 3, delay: 100, jitter: 50 });

/** Merges `given` over `base` and validates it; errors name the argument. */
export function retryPolicy(given: LockRetryOptions | undefined, base: RetryPolicy): RetryPolicy {
  if (!given) return base;
  const attempts = given.attempts ?? base.attempts;
  if (typeof attempts !== 'number' || !(attempts === Infinity || (Number.isInteger(attempts) && attempts >= 0))) {
    throw new RediskitArgumentError('retry.attempts', `must be an integer ≥ 0 or Infinity, got ${JSON.stringify(given.attempts)}`);
  }
  return {
    attempts,
    delay: given.delay === undefined ? base.delay : toMs(given.delay, 'retry.delay'),
    jitter: given.jitter === undefined ? base.jitter : toMs(given.jitter, 'retry.jitter'),
    maxWait: given.maxWait === undefined ? base.maxWait : toPositiveMs(given.maxWait, 'retry.maxWait'),
  };
}

/** How long to wait before the next try: the delay, or the holder's remaining lease when sooner, plus jitter. */
export function pauseBeforeRetry(policy: RetryPolicy, heldForMs: number): number {
  const base = heldForMs > 0 ? Math.min(policy.delay, heldForMs) : policy.delay;
  return base + Math.random() * policy.jitter;
}

/** Resolves after `ms`, or rejects with the signal's reason when it is aborted first. */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
