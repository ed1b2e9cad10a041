import ms from 'ms';
import { RediskitArgumentError } from '../errors.js';

/** A duration in milliseconds, or a string such as `'500ms'`, `'15m'`, `'2h'`, `'7d'`. */
export type Duration = number | string;

/** Parses a {@link Duration} to milliseconds; throws a typed error naming `name` when invalid. */
export function toMs(value: Duration, name = 'duration'): number {
  const result = typeof value === 'number' ? value : parseString(value);
  if (!Number.isFinite(result) || result < 0) {
    throw new RediskitArgumentError(name, `must be a non-negative duration (ms or '15m'), got ${JSON.stringify(value)}`);
  }
  return result;
}

/** Like {@link toMs} but also rejects zero. */
export function toPositiveMs(value: Duration, name = 'duration'): number {
  const result = toMs(value, name);
  if (result === 0) throw new RediskitArgumentError(name, `must be greater than 0, got ${JSON.stringify(value)}`);
  return result;
}

/** True when `value` is a number or a string `ms` understands. */
export function isDuration(value: unknown): value is Duration {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0;
  return typeof value === 'string' && Number.isFinite(parseString(value));
}

function parseString(value: string): number {
  try {
    return /^\d+(\.\d+)?$/.test(value) ? Number(value) : (ms(value as ms.StringValue) ?? NaN);
  } catch {
    return NaN;
  }
}
