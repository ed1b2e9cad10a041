import { RediskitArgumentError } from '../errors.js';

/** A lock key for a method call: a template such as `'order:{0.id}'`, or a function of the arguments. */
export type LockKey = string | ((...args: any[]) => string);

const PLACEHOLDER = /\{([^{}]*)\}/g;
const PATH = /^(\d+)((?:\.[A-Za-z_$][\w$]*)*)$/;

/**
 * Compiles a `@WithLock` key once, at decoration time. Template placeholders name an
 * argument by position and optionally a property path: `{0}`, `{1.customer.id}`. Bad
 * templates fail when the class is defined; a placeholder that resolves to nothing fails the
 * call (the method never runs unlocked).
 *
 * @example
 * lockKeyResolver('invoice:{0.id}', 'Billing.pay')([{ id: 7 }]) // 'invoice:7'
 */
export function lockKeyResolver(key: LockKey, where: string): (args: unknown[]) => string {
  if (typeof key === 'function') {
    return (args) => {
      const resource = key(...args);
      if (typeof resource !== 'string' || resource.length === 0) {
        throw new RediskitArgumentError(`@WithLock key of ${where}`, `must return a non-empty string, got ${JSON.stringify(resource)}`);
      }
      return resource;
    };
  }
  if (typeof key !== 'string' || key.length === 0) {
    throw new RediskitArgumentError(`@WithLock key of ${where}`, 'must be a non-empty template string or a function of the arguments');
  }
  const paths = [...key.matchAll(PLACEHOLDER)].map((m) => {
    const path = PATH.exec(m[1]);
    if (!path) throw new RediskitArgumentError(`@WithLock key of ${where}`, `has placeholder "${m[0]}"; use {index} or {index.property}, e.g. {0.id}`);
    return { index: Number(path[1]), props: path[2].split('.').slice(1) };
  });
  if (paths.length === 0) return () => key;
  return (args) => {
    let i = 0;
    return key.replace(PLACEHOLDER, (placeholder) => {
      const { index, props } = paths[i++];
      let value: unknown = args[index];
      for (const prop of props) value = value == null ? undefined : (value as Record<string, unknown>)[prop];
      if (!['string', 'number', 'bigint', 'boolean'].includes(typeof value) || value === '') {
        throw new RediskitArgumentError(`@WithLock key of ${where}`, `placeholder ${placeholder} resolved to ${JSON.stringify(value) ?? String(value)}; it must be a non-empty string or a number`);
      }
      return String(value);
    });
  };
}
