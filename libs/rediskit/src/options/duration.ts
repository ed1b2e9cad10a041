import ms from 'ms';
import { RediskitArgumentError } from '../errors.js';

/** A duration in milliseconds, or a string such as `'500ms'`, `'15m'`, `'2h'`, `'7d'`. */
export type Duration = number | string;

/**
 * The longest duration accepted anywhere: 100 years. Redis time plus it stays below 1e14 ms,
 * which Lua still prints as an integer (PX/PEXPIRE refuse `1e+17`), and far below 2^53.
 */
export const MAX_DURATION_MS = 3_155_760_000_000;

/** The longest delay a Node.js timer can wait (longer ones fire at once): about 24.8 days. */
export const MAX_TIMER_MS = 2_147_483_647;

/**
 * Parses a {@link Duration} to milliseconds; throws a typed error naming `name` when it is not
 * a duration between 0 and `max` (default {@link MAX_DURATION_MS}).
 */
export function toMs(value: Duration, name = 'duration', max = MAX_DURATION_MS): number {
  const result = typeof value === 'number' ? value : parseString(value);
  if (!Number.isFinite(result) || result < 0) {
    throw new RediskitArgumentError(name, `must be a non-negative duration (ms or '15m'), got ${JSON.stringify(value)}`);
  }
  if (result > max) throw new RediskitArgumentError(name, `must be at most ${max} ms, got ${JSON.stringify(value)}`);
  return result;
}

/** Like {@link toMs} but also rejects zero. */
export function toPositiveMs(value: Duration, name = 'duration', max = MAX_DURATION_MS): number {
  const result = toMs(value, name, max);
  if (result === 0) throw new RediskitArgumentError(name, `must be greater than 0, got ${JSON.stringify(value)}`);
  return result;
}

/** True when `value` is a number or a string `ms` understands, between 0 and `max`. */
export function isDuration(value: unknown, max = MAX_DURATION_MS): value is Duration {
  const ms = typeof value === 'number' ? value : typeof value === 'string' ? parseString(value) : NaN;
  return Number.isFinite(ms) && ms >= 0 && ms <= max;
}

function parseString(value: string): number {
  try {
    return /^\d+(\.\d+)?$/.test(value) ? Number(value) : (ms(value as ms.StringValue) ?? NaN);
  } catch {
    return NaN;
  }
}
