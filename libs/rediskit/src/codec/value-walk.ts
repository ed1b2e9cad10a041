import { RediskitSerializationError } from '../errors.js';

/**
 * Walks a value before it is encoded: rejects what cannot round-trip (functions, symbols,
 * circular references) with an error naming the key and the path, and reports whether the
 * value holds a type plain JSON would lose (Date, BigInt, Map, Set, Buffer, typed arrays).
 * Plain values then take the fast JSON path.
 */
export function inspectValue(value: unknown, key: string): { needsTypes: boolean } {
  // Fast pass without path strings or a visited set; anything unusual (a function, a symbol,
  // nesting deep enough to be a cycle) goes to the exact pass below for its error message.
  const fast = quickScan(value, 0);
  if (fast !== EXACT) return fast === TYPED ? TYPED_RESULT : PLAIN_RESULT;
  return inspectExactly(value, key);
}

const PLAIN = 0;
const TYPED = 1;
const EXACT = 2;
const MAX_QUICK_DEPTH = 100;
const PLAIN_RESULT = Object.freeze({ needsTypes: false });
const TYPED_RESULT = Object.freeze({ needsTypes: true });

function quickScan(v: unknown, depth: number): number {
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
  if (depth >= MAX_QUICK_DEPTH) return EXACT;
  let result = PLAIN;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const r = quickScan(v[i], depth + 1);
      if (r === EXACT) return EXACT;
      if (r === TYPED) result = TYPED;
    }
    return result;
  }
  if ('$t' in v) result = TYPED;
  for (const k in v) {
    if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
    const r = quickScan((v as Record<string, unknown>)[k], depth + 1);
    if (r === EXACT) return EXACT;
    if (r === TYPED) result = TYPED;
  }
  return result;
}

function inspectExactly(value: unknown, key: string): { needsTypes: boolean } {
  const seen = new Set<object>();
  let needsTypes = false;

  const visit = (v: unknown, path: string): void => {
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
    if (seen.has(v)) {
      throw new RediskitSerializationError(`Cannot serialize value for key "${key}": circular reference at ${path}`);
    }
    seen.add(v);
    if (v instanceof Map) {
      needsTypes = true;
      for (const [k, item] of v) {
        visit(k, `${path}.<key>`);
        visit(item, `${path}.get(${String(k)})`);
      }
    } else if (v instanceof Set) {
      needsTypes = true;
      let i = 0;
      for (const item of v) visit(item, `${path}.<${i++}>`);
    } else if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) visit(v[i], `${path}[${i}]`);
    } else {
      if ('$t' in v) needsTypes = true; // would be mistaken for one of our type tags
      for (const k of Object.keys(v)) visit((v as Record<string, unknown>)[k], `${path}.${k}`);
    }
    seen.delete(v);
  };

  visit(value, '$');
  return { needsTypes };
}
