import { createHash } from 'node:crypto';

/** Thrown inside `argumentsKey` for an argument it cannot represent faithfully. */
class Unkeyable extends Error {}

// Markers for what JSON cannot tell apart (`[undefined]` and `[null]`, NaN and null).
const UNDEFINED = '\u0000u';
const NON_FINITE = '\u0000n:';

/**
 * A key for a method's arguments: their JSON, where `undefined`, `NaN` and `±Infinity` stay
 * distinct, or `undefined` when an argument is not plain data (a Map, a class instance, a
 * function...): two such arguments could print alike and share an entry, so the call runs
 * uncached instead.
 */
export function argumentsKey(args: readonly unknown[]): string | undefined {
  try {
    return JSON.stringify(args, function (this: Record<string, unknown>, name: string, value: unknown) {
      const raw = this[name];
      if (raw === undefined) return UNDEFINED;
      if (typeof raw === 'number') return Number.isFinite(raw) ? raw : NON_FINITE + String(raw);
      if (typeof raw === 'function' || typeof raw === 'symbol' || typeof raw === 'bigint') throw new Unkeyable();
      if (typeof raw === 'object' && raw !== null && !Array.isArray(raw) && !(raw instanceof Date)) {
        const proto = Object.getPrototypeOf(raw);
        if (proto !== Object.prototype && proto !== null) throw new Unkeyable();
      }
      return value;
    });
  } catch {
    // Unkeyable, a cycle, or a throwing toJSON: run uncached.
    return undefined;
  }
}

/** `key` as it is when at most `maxLength` characters, else its SHA-256 (an entry never holds a large argument). */
export function boundedKey(key: string, maxLength: number): string {
  return key.length <= maxLength ? key : '#' + createHash('sha256').update(key).digest('base64url');
}
