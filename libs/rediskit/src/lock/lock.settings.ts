import { resolveCommandSettings, type CommandSettings } from '../options/command-settings.js';
import { RediskitArgumentError } from '../errors.js';
import { MAX_TIMER_MS, toMs, toPositiveMs, type Duration } from '../options/duration.js';
import { DEFAULT_RETRY, retryPolicy, type RetryPolicy } from './lock-retry.js';
import type { LockModuleOptions, RedlockOptions } from './lock.options.js';

/** What the `lock` options default to (their `@default` tags say the same). */
export const LOCK_DEFAULTS = {
  defaultTtl: 30_000,
  retry: DEFAULT_RETRY,
  driftFactor: 0.01,
} as const;

/** The `lock` options with every default applied, durations in ms. */
export interface LockSettings extends CommandSettings {
  redlock?: RedlockOptions;
  defaultTtl: number;
  retry: RetryPolicy;
  driftFactor: number;
}

/** Applies the defaults of {@link LockModuleOptions}. */
export function resolveLockSettings(options: LockModuleOptions = {}): LockSettings {
  return {
    redlock: options.redlock,
    ...resolveCommandSettings(options, 'lock'),
    defaultTtl: validTtl(options.defaultTtl ?? LOCK_DEFAULTS.defaultTtl, 'lock.defaultTtl'),
    retry: retryPolicy(options.retry, LOCK_DEFAULTS.retry),
    driftFactor: options.driftFactor ?? LOCK_DEFAULTS.driftFactor,
  };
}

/** A lease length in ms; errors name `name`. */
export function validTtl(ttl: Duration, name: string): number {
  const ms = Math.round(toMs(ttl, name, MAX_TIMER_MS));
  // Below this the drift allowance (2 ms + 1%) leaves no lease at all.
  if (ms < 3) throw new RediskitArgumentError(name, `must be at least 3 ms, got ${JSON.stringify(ttl)}`);
  return ms;
}
