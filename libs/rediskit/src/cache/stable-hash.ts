import { createHash } from 'node:crypto';

/**
 * A hash of a value that does not depend on object key order, so `{ a: 1, b: 2 }` and
 * `{ b: 2, a: 1 }` give the same cache key. Dates, BigInts, Maps, Sets and Buffers are
 * hashed by content.
 *
 * @example
 * stableHash({ where: { id: 1 }, take: 10 }) === stableHash({ take: 10, where: { id: 1 } })   // true
 */
export function stableHash(value: unknown): string {
  return createHash('sha256').update(stableStringify(value)).digest('base64url').slice(0, 32);
}

/** Deterministic JSON-like text of a value (object keys sorted, special types tagged). */
export function stableStringify(value: unknown, seen = new Set<object>()): string {
  if (value === undefined) return 'u';
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function' || typeof value === 'symbol') return `<${typeof value}>`;
  if (value instanceof Date) return `D${value.toISOString()}`;
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return `B${Buffer.from(value).toString('base64')}`;
  if (seen.has(value as object)) return '<circular>';
  seen.add(value as object);
  let out: string;
  if (Array.isArray(value)) out = `[${value.map((v) => stableStringify(v, seen)).join(',')}]`;
  else if (value instanceof Map) out = `M${stableStringify([...value.entries()].map(([k, v]): [string, unknown] => [stableStringify(k, seen), v]).sort(byFirst), seen)}`;
  else if (value instanceof Set) out = `S[${[...value].map((v) => stableStringify(v, seen)).sort().join(',')}]`;
  else {
    const keys = Object.keys(value as object).filter((k) => (value as Record<string, unknown>)[k] !== undefined).sort();
    out = `{${keys.map((k) => `${JSON.stringify(k)}:${stableStringify((value as Record<string, unknown>)[k], seen)}`).join(',')}}`;
  }
  seen.delete(value as object);
  return out;
}

function byFirst(a: [string, unknown], b: [string, unknown]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}
