import { ValidateBy, type ValidationOptions } from 'class-validator';

/** Validates a function option; `what` says which function, for the boot error (`identify must be a function (request) => ...`). */
export function IsCallable(what: string, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    { name: 'isCallable', validator: { validate: (v) => typeof v === 'function', defaultMessage: (a) => `${a?.property} must be ${what}` } },
    options,
  );
}
