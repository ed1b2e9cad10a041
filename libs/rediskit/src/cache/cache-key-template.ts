import { RediskitArgumentError } from '../errors.js';
import { stableHash } from './stable-hash.js';

/** A key for a decorated method: a template such as `'user:{0}'` / `'user:{0.id}'`, or a function of the arguments. */
export type CacheKeyTemplate = string | ((...args: any[]) => string);

/** Tags for a decorated method: templates or functions per tag, or one function returning every tag. */
export type CacheTagsTemplate = CacheKeyTemplate[] | ((...args: any[]) => string[]);

const PLACEHOLDER = /\{([^{}]*)\}/g;
const PATH = /^(\d+|result)((?:\.[A-Za-z_$][\w$]*)*)$/;

type Render = (args: unknown[], result?: unknown) => string;

/**
 * Compiles a key template once, when the class is defined. `{0}` is the first argument,
 * `{1.customer.id}` a property path, `{result}` / `{result.id}` the method's result (only
 * after the call: `@CachePut`, `@CacheEvict`). An object placeholder becomes a stable hash of
 * the object. A placeholder resolving to nothing fails the call with an error naming it.
 *
 * @example
 * compileKey('user:{0.id}', 'Users.find', false)([{ id: 7 }])   // 'user:7'
 */
export function compileKey(template: CacheKeyTemplate, where: string, allowResult: boolean): Render {
  if (typeof template === 'function') {
    return (args) => {
      const key = template(...args);
      if (typeof key !== 'string' || key.length === 0) throw new RediskitArgumentError(`cache key of ${where}`, `must return a non-empty string, got ${JSON.stringify(key)}`);
      return key;
    };
  }
  if (typeof template !== 'string' || template.length === 0) {
    throw new RediskitArgumentError(`cache key of ${where}`, 'must be a non-empty template string or a function of the arguments');
  }
  const paths = [...template.matchAll(PLACEHOLDER)].map((m) => {
    const path = PATH.exec(m[1]);
    if (!path || (path[1] === 'result' && !allowResult)) {
      throw new RediskitArgumentError(`cache key of ${where}`, `has placeholder "${m[0]}"; use {index} or {index.property}${allowResult ? ', {result.property}' : ''}`);
    }
    return { source: path[1], props: path[2].split('.').slice(1) };
  });
  if (paths.length === 0) return () => template;
  return (args, result) => {
    let i = 0;
    return template.replace(PLACEHOLDER, (placeholder) => {
      const { source, props } = paths[i++];
      let value: unknown = source === 'result' ? result : args[Number(source)];
      for (const prop of props) value = value == null ? undefined : (value as Record<string, unknown>)[prop];
      if (value !== null && typeof value === 'object') return stableHash(value);
      if (!['string', 'number', 'bigint', 'boolean'].includes(typeof value) || value === '') {
        throw new RediskitArgumentError(`cache key of ${where}`, `placeholder ${placeholder} resolved to ${JSON.stringify(value) ?? String(value)}`);
      }
      return String(value);
    });
  };
}

/** Compiles tag templates (see {@link compileKey}). */
export function compileTags(tags: CacheTagsTemplate | undefined, where: string, allowResult: boolean): ((args: unknown[], result?: unknown) => string[]) | undefined {
  if (tags === undefined) return undefined;
  if (typeof tags === 'function') {
    return (args) => {
      const list = tags(...args);
      if (!Array.isArray(list)) throw new RediskitArgumentError(`cache tags of ${where}`, `must return an array of strings, got ${JSON.stringify(list)}`);
      return list;
    };
  }
  if (!Array.isArray(tags)) throw new RediskitArgumentError(`cache tags of ${where}`, 'must be an array of templates or a function of the arguments');
  const renders = tags.map((t) => compileKey(t, where, allowResult));
  return (args, result) => renders.map((r) => r(args, result));
}

/** Compiles one or many key templates (for `@CacheEvict`). */
export function compileKeys(keys: CacheKeyTemplate | CacheKeyTemplate[] | undefined, where: string): ((args: unknown[], result?: unknown) => string[]) | undefined {
  if (keys === undefined) return undefined;
  const renders = (Array.isArray(keys) ? keys : [keys]).map((k) => compileKey(k, where, true));
  return (args, result) => renders.map((r) => r(args, result));
}
