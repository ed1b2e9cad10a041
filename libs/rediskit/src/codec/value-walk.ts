import { RediskitSerializationError } from '../errors.js';
import { DEFAULT_MAX_DEPTH } from './decode-limits.js';

/**
 * Walks a value before it is encoded: rejects what cannot round-trip (functions, symbols,
 * circular references, nesting deeper than `maxDepth`, which the codec would refuse to read)
 * with an error naming the key and the path, and reports whether the value holds a type plain
 * JSON would lose (Date, BigInt, Map, Set, Buffer, typed arrays). Plain values then take the
 * fast JSON path. A throwing getter's error goes through as it is (the codec wraps it).
 *
 * @example
 * inspectValue({ at: new Date() }, 'user:1')   // { needsTypes: true }
 */
export function inspectValue(value: unknown, key: string, maxDepth = DEFAULT_MAX_DEPTH): { needsTypes: boolean } {
  // Fast pass without path strings or a visited set; anything unusual (a function, a symbol,
  // nesting too deep, maybe a cycle) goes to the exact pass below for its error message.
  const fast = quickScan(value, 0, maxDepth);
  if (fast !== EXACT) return fast === TYPED ? TYPED_RESULT : PLAIN_RESULT;
  return inspectExactly(value, key, maxDepth);
}

const PLAIN = 0;
const TYPED = 1;
const EXACT = 2;
const PLAIN_RESULT = Object.freeze({ needsTypes: false });
const TYPED_RESULT = Object.freeze({ needsTypes: true });

// `depth`: how many containers hold `v`; a container at depth d nests d + 1 levels.
function quickScan(v: unknown, depth: number, maxDepth: number): number {
  switch (typeof v) {
    case 'function':
    case 'symbol':
      return EXACT;
    case 'bigint':
      return TYPED;
    case 'object':
      break;
    default:
      return PLAIN;
  }
  if (v === null) return PLAIN;
  if (v instanceof Date || ArrayBuffer.isView(v) || v instanceof Map || v instanceof Set) {
    // Map and Set contents are checked by the exact pass (it knows how they are encoded).
    return v instanceof Map || v instanceof Set ? EXACT : TYPED;
  }
  if (depth >= maxDepth) return EXACT;
  let result = PLAIN;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const r = quickScan(v[i], depth + 1, maxDepth);
      if (r === EXACT) return EXACT;
      if (r === TYPED) result = TYPED;
    }
    return result;
  }
  if ('$t' in v) result = TYPED;
  for (const k in v) {
    if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
    const r = quickScan((v as Record<string, unknown>)[k], depth + 1, maxDepth);
    if (r === EXACT) return EXACT;
    if (r === TYPED) result = TYPED;
  }
  return result;
}

function inspectExactly(value: unknown, key: string, maxDepth: number): { needsTypes: boolean } {
  const seen = new Set<object>();
  let needsTypes = false;

  const visit = (v: unknown, path: string, depth: number): void => {
    switch (typeof v) {
      case 'function':
      case 'symbol':
        throw new RediskitSerializationError(`Cannot serialize value for key "${key}": ${typeof v} at ${path}`);
      case 'bigint':
        needsTypes = true;
        return;
      case 'object':
        break;
      default:
        return;
    }
    if (v === null) return;
    if (v instanceof Date || ArrayBuffer.isView(v)) {
      needsTypes = true;
      return;
    }
    if (depth >= maxDepth) {
      throw new RediskitSerializationError(`Cannot serialize value for key "${key}": nested deeper than ${maxDepth} levels at ${shortPath(path)}`);
    }
    if (seen.has(v)) {
      throw new RediskitSerializationError(`Cannot serialize value for key "${key}": circular reference at ${path}`);
    }
    seen.add(v);
    if (v instanceof Map) {
      needsTypes = true;
      for (const [k, item] of v) {
        visit(k, `${path}.<key>`, depth + 1);
        visit(item, `${path}.get(${String(k)})`, depth + 1);
      }
    } else if (v instanceof Set) {
      needsTypes = true;
      let i = 0;
      for (const item of v) visit(item, `${path}.<${i++}>`, depth + 1);
    } else if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) visit(v[i], `${path}[${i}]`, depth + 1);
    } else {
      if ('$t' in v) needsTypes = true; // would be mistaken for one of our type tags
      for (const k of Object.keys(v)) visit((v as Record<string, unknown>)[k], `${path}.${k}`, depth + 1);
    }
    seen.delete(v);
  };

  visit(value, '$', 0);
  return { needsTypes };
}

// A path 128 levels deep is long; its end says where.
function shortPath(path: string): string {
  return path.length > 120 ? `…${path.slice(-120)}` : path;
}
