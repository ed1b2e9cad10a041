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
 * after the call: `@CachePut`, `@CacheEvict`). A string, number, bigint or boolean placeholder
 * is its text; an object placeholder a stable hash of the object (see `stableHash`). A
 * placeholder resolving to nothing fails the call with an error naming it.
 *
 * With `encode` (keys, not tags), distinct values always give distinct keys: in each rendered
 * value, `%` and the character that follows the placeholder in the template are
 * percent-encoded, so `'order:{0}:{1}'` renders `('acme:eu', '7')` as `order:acme%3Aeu:7` and
 * `('acme', 'eu:7')` as `order:acme:eu:7`, and an object's hash (`%H…`) never equals a
 * string's text. A placeholder must then be followed by a separator (not a letter, digit, `%`
 * or another placeholder) or end the template; anything else is refused here.
 *
 * @example
 * compileKey('user:{0.id}', 'Users.find', false)([{ id: 7 }])   // 'user:7'
 */
export function compileKey(template: CacheKeyTemplate, where: string, allowResult: boolean, encode = true): Render {
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
    const after = template.codePointAt(m.index! + m[0].length);
    const next = after === undefined ? undefined : String.fromCodePoint(after);
    if (encode && next !== undefined && /[\p{L}\p{N}%{]/u.test(next)) {
      throw new RediskitArgumentError(
        `cache key of ${where}`,
        `has placeholder "${m[0]}" followed by ${JSON.stringify(next)}; a placeholder must be followed by a separator such as ":" or end the template, or two keys could collide`,
      );
    }
    return { source: path[1], props: path[2].split('.').slice(1), escape: encode ? escaper(next) : undefined };
  });
  if (paths.length === 0) return () => template;
  return (args, result) => {
    let i = 0;
    return template.replace(PLACEHOLDER, (placeholder) => {
      const { source, props, escape } = paths[i++];
      let value: unknown = source === 'result' ? result : args[Number(source)];
      for (const prop of props) value = value == null ? undefined : (value as Record<string, unknown>)[prop];
      if (value !== null && typeof value === 'object') {
        const hash = stableHash(value, { name: `placeholder ${placeholder} of the cache key of ${where}`, hint: 'use a property path such as {0.id}, or a key function' });
        return escape ? `%H${hash}` : hash;
      }
      if (!['string', 'number', 'bigint', 'boolean'].includes(typeof value) || value === '') {
        throw new RediskitArgumentError(`cache key of ${where}`, `placeholder ${placeholder} resolved to ${JSON.stringify(value) ?? String(value)}`);
      }
      return escape ? escape(String(value)) : String(value);
    });
  };
}

// Percent-encodes `%` and the character after a placeholder (its UTF-8 bytes, upper-case hex),
// so the rendered value can neither contain that separator nor be mistaken for an escape.
function escaper(next: string | undefined): (text: string) => string {
  const special = next === undefined ? /%/g : new RegExp(`[%${next.replace(/[\\\]^-]/g, '\\$&')}]`, 'gu');
  return (text) => text.replace(special, (ch) => [...Buffer.from(ch)].map((b) => '%' + b.toString(16).toUpperCase().padStart(2, '0')).join(''));
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
  // Tags stay as written (not encoded): invalidateTags([`user:${id}`]) must reach them.
  const renders = tags.map((t) => compileKey(t, where, allowResult, false));
  return (args, result) => renders.map((r) => r(args, result));
}

/** Compiles one or many key templates (for `@CacheEvict`). */
export function compileKeys(keys: CacheKeyTemplate | CacheKeyTemplate[] | undefined, where: string): ((args: unknown[], result?: unknown) => string[]) | undefined {
  if (keys === undefined) return undefined;
  const renders = (Array.isArray(keys) ? keys : [keys]).map((k) => compileKey(k, where, true));
  return (args, result) => renders.map((r) => r(args, result));
}

const RESULT_PLACEHOLDER = /\{result(?:\.[^{}]*)?\}/;

/**
 * Splits `@Cacheable` tags into those of the arguments, known before the method runs, and those
 * naming its result (`'user:{result.id}'`), rendered once it returned.
 *
 * @example
 * const { before, after } = compileSplitTags(['users', 'user:{result.id}'], 'Users.byEmail');
 */
export function compileSplitTags(
  tags: CacheTagsTemplate | undefined,
  where: string,
): { before: ((args: unknown[]) => string[]) | undefined; after: ((args: unknown[], result: unknown) => string[]) | undefined } {
  if (!Array.isArray(tags)) return { before: compileTags(tags, where, false), after: undefined };
  const ofResult = tags.filter((t) => typeof t === 'string' && RESULT_PLACEHOLDER.test(t));
  if (ofResult.length === 0) return { before: compileTags(tags, where, false), after: undefined };
  const rest = tags.filter((t) => !ofResult.includes(t));
  return { before: rest.length > 0 ? compileTags(rest, where, false) : undefined, after: compileTags(ofResult, where, true) };
}
