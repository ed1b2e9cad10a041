import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';

/** Flattens class-validator's tree into `path: message` lines. */
export function describeErrors(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((e) => {
    const path = parent ? `${parent}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((m) => `${path}: ${m}`);
    return [...own, ...describeErrors(e.children ?? [], path)];
  });
}

/** Validates `value` against a class-validator class and returns every problem, prefixed with `path`. */
export function problemsOf(dto: new () => object, value: unknown, path: string): string[] {
  if (value === undefined) return [];
  if (value === null || typeof value !== 'object') return [`${path || 'options'}: must be an object`];
  return describeErrors(validateSync(plainToInstance(dto, value) as object), path);
}
