import { createHash } from 'node:crypto';
import { RediskitArgumentError } from '../errors.js';

/** How {@link stableHash} names the value in its errors. */
export interface StableHashOptions {
  /** The value's name at the root of error paths (default `value`). */
  name?: string;
  /** Appended to a refusal: what the caller can do instead. */
  hint?: string;
}

/**
 * A hash of a value that does not depend on object key order, so `{ a: 1, b: 2 }` and
 * `{ b: 2, a: 1 }` give the same cache key, and that is injective over the values it accepts:
 * two values that differ get different hashes. Accepted: strings, numbers (`NaN`, `±Infinity`
 * and `-0` each their own), booleans, `null`, `undefined`, bigints, `Date`s (by time),
 * `Buffer`s and typed arrays (by bytes and type), `Map`s and `Set`s (by content, in any order),
 * arrays (a hole counts as `undefined`) and plain objects (a property holding `undefined`
 * counts as absent). Anything it cannot represent faithfully throws `RediskitArgumentError`
 * naming where it is: functions, symbols, class instances (`RegExp`, `URL`, `Error`, your
 * classes: their state may be private), objects with getters, symbol keys or hidden
 * properties, and cycles.
 *
 * @example
 * stableHash({ where: { id: 1 }, take: 10 }) === stableHash({ take: 10, where: { id: 1 } })   // true
 * stableHash({ name: /^alice$/ })                                                                  // throws RediskitArgumentError
 */
export function stableHash(value: unknown, options: StableHashOptions = {}): string {
  return createHash('sha256').update(stableStringify(value, options)).digest('base64url').slice(0, 32);
}

/**
 * The canonical text {@link stableHash} hashes: object keys, Map entries and Set members sorted,
 * every kind of value tagged so no two kinds print alike. Strings are JSON-quoted (a lone
 * surrogate is escaped, never replaced), so the text is always well-formed.
 */
export function stableStringify(value: unknown, options: StableHashOptions = {}): string {
  return write(value, options.name ?? 'value', new Set(), options.hint);
}

function write(value: unknown, path: string, seen: Set<object>, hint: string | undefined): string {
  switch (typeof value) {
    case 'undefined':
      return 'u';
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value); // NaN, Infinity, -Infinity as words
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return `${value}n`;
    case 'function':
    case 'symbol':
      throw refuse(path, `a ${typeof value}`, hint);
  }
  if (value === null) return 'null';
  const object = value as object;
  const proto = Object.getPrototypeOf(object);
  if (proto === Date.prototype) return `D${(object as Date).getTime()}`;
  if (Buffer.isBuffer(object)) return `B${object.toString('base64')}`;
  if (ArrayBuffer.isView(object)) {
    const tag = Object.prototype.toString.call(object).slice(8, -1);
    return `T${tag}~${Buffer.from(object.buffer, object.byteOffset, object.byteLength).toString('base64')}`;
  }
  if (seen.has(object)) throw refuse(path, 'a cycle (it holds itself)', hint);
  seen.add(object);
  let out: string;
  if (Array.isArray(object) && proto === Array.prototype) {
    for (const key of Reflect.ownKeys(object)) {
      if (key !== 'length' && !(typeof key === 'string' && isIndex(key))) throw refuse(`${path}[${String(key)}]`, 'an array property that is not an element', hint);
    }
    const items: string[] = [];
    for (let i = 0; i < object.length; i++) items.push(write(object[i], `${path}[${i}]`, seen, hint));
    out = `[${items.join(',')}]`;
  } else if (proto === Map.prototype) {
    const entries = [...(object as Map<unknown, unknown>)].map(([k, v], i) => `[${write(k, `${path}<key ${i}>`, seen, hint)},${write(v, `${path}<value ${i}>`, seen, hint)}]`);
    out = `M[${entries.sort().join(',')}]`;
  } else if (proto === Set.prototype) {
    const members = [...(object as Set<unknown>)].map((v, i) => write(v, `${path}<member ${i}>`, seen, hint));
    out = `S[${members.sort().join(',')}]`;
  } else if (proto === Object.prototype || proto === null) {
    const fields: string[] = [];
    for (const key of Reflect.ownKeys(object).sort(byCodeUnits)) {
      if (typeof key === 'symbol') throw refuse(`${path}[${String(key)}]`, 'a symbol-keyed property', hint);
      const where = `${path}.${key}`;
      const descriptor = Object.getOwnPropertyDescriptor(object, key)!;
      if (!('value' in descriptor)) throw refuse(where, 'a getter or setter', hint);
      if (!descriptor.enumerable) throw refuse(where, 'a non-enumerable property', hint);
      if (descriptor.value !== undefined) fields.push(`${JSON.stringify(key)}:${write(descriptor.value, where, seen, hint)}`);
    }
    out = `{${fields.join(',')}}`;
  } else {
    throw refuse(path, `a ${kindOf(object)}`, hint);
  }
  seen.delete(object);
  return out;
}

const isIndex = (key: string): boolean => /^(0|[1-9]\d*)$/.test(key) && Number(key) < 2 ** 32 - 1;

function byCodeUnits(a: string | symbol, b: string | symbol): number {
  const [x, y] = [String(a), String(b)];
  return x < y ? -1 : x > y ? 1 : 0;
}

function kindOf(object: object): string {
  const name = (object as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name ? `${name} instance` : Object.prototype.toString.call(object).slice(8, -1);
}

function refuse(path: string, what: string, hint: string | undefined): RediskitArgumentError {
  return new RediskitArgumentError(path, `is ${what}, which a cache key cannot represent faithfully${hint ? `: ${hint}` : ''}`);
}
