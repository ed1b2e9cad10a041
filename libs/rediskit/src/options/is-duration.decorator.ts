import { ValidateBy, type ValidationOptions } from 'class-validator';
import { isDuration, MAX_DURATION_MS, toMs } from './duration.js';

/**
 * Validates a duration: milliseconds (number ≥ 0) or a string such as `'15m'`, at most `max`
 * ms (default 100 years; pass `MAX_TIMER_MS` for durations a timer waits for).
 */
export function IsDuration(options?: ValidationOptions, max = MAX_DURATION_MS): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isDuration',
      validator: {
        validate: (value: unknown) => isDuration(value, max),
        defaultMessage: (args) => `${args?.property} must be a duration in ms or a string like '15m', at most ${max} ms (got ${JSON.stringify(args?.value)})`,
      },
    },
    options,
  );
}

/** Like {@link IsDuration}, and greater than 0 (a TTL, a hold time). */
export function IsPositiveDuration(options?: ValidationOptions, max = MAX_DURATION_MS): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isPositiveDuration',
      validator: {
        validate: (value: unknown) => isDuration(value, max) && toMs(value, 'duration', max) > 0,
        defaultMessage: (args) => `${args?.property} must be a duration greater than 0, in ms or a string like '15m', at most ${max} ms (got ${JSON.stringify(args?.value)})`,
      },
    },
    options,
  );
}
