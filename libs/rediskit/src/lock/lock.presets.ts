import type { LockOptions } from './lock.options.js';

/**
 * Ready-made lease lengths and retry counts for common jobs; spread them and override what
 * you need. `attempts` counts retries after the first try.
 *
 * | preset | ttl | retries |
 * |---|---|---|
 * | QUICK | 5 s | 3 |
 * | STANDARD | 30 s | 3 |
 * | PAYMENT | 60 s | 2 |
 * | BIOMETRIC | 45 s | 1 |
 *
 * @example
 * await locks.withLock(`payout:${id}`, pay, LockPresets.PAYMENT);
 * await locks.acquire('cache-warmup', { ...LockPresets.QUICK, signal });
 */
export const LockPresets = Object.freeze({
  QUICK: Object.freeze({ ttl: 5_000, retry: Object.freeze({ attempts: 3 }) }),
  STANDARD: Object.freeze({ ttl: 30_000, retry: Object.freeze({ attempts: 3 }) }),
  PAYMENT: Object.freeze({ ttl: 60_000, retry: Object.freeze({ attempts: 2 }) }),
  BIOMETRIC: Object.freeze({ ttl: 45_000, retry: Object.freeze({ attempts: 1 }) }),
}) satisfies Record<string, LockOptions>;

/** The name of a {@link LockPresets} entry. */
export type LockPresetName = keyof typeof LockPresets;
