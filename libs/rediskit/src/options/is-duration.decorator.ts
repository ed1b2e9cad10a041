import { ValidateBy, type ValidationOptions } from 'class-validator';
import { isDuration } from './duration.js';

/** Validates a duration: milliseconds (number ≥ 0) or a string such as `'15m'`. */
export function IsDuration(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isDuration',
      validator: {
        validate: (value: unknown) => isDuration(value),
        defaultMessage: (args) => `${args?.property} must be a duration in ms or a string like '15m' (got ${JSON.stringify(args?.value)})`,
      },
    },
    options,
  );
}
