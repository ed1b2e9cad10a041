/**
 * Bounds on what the codec decodes. Payloads come from Redis (cache entries, sessions, pub/sub
 * messages), which anyone with write access to Redis can fill, so decoding must stay bounded
 * in memory, time and nesting whatever the bytes are.
 */

/** Largest size a compressed payload may inflate to, by default: the cache's default `maxValueSize`. */
export const DEFAULT_MAX_INFLATED_SIZE = 4 * 1024 * 1024;

/**
 * Deepest nesting of arrays, objects, Maps and Sets, by default. Deep enough for real data,
 * shallow enough that recursive code (ours, `JSON.stringify`, the caller's) never runs out of
 * stack on a decoded value.
 */
export const DEFAULT_MAX_DEPTH = 128;

/** The highest `maxDepth` accepted: beyond it, recursive code would run out of stack. */
export const MAX_DEPTH_CEILING = 1000;

/**
 * A payload broke a decoding rule. The message is ours and never quotes the payload, so it may
 * go into errors and logs (parser messages can quote the text they failed on).
 */
export class DecodeProblem extends Error {}

/**
 * Checks a decoded value: nesting at most `maxDepth` levels (a cyclic value counts as infinitely
 * deep) and at most `maxValues` values when walked as a tree, so shared references (MessagePack
 * structured clone) cannot expand into an exponentially large tree for whoever walks it next.
 * Iterative, so a hostile value cannot exhaust the stack here. Returns the problem, or undefined.
 *
 * @example
 * checkDecoded(JSON.parse(text), 128, 4 * 1024 * 1024)   // undefined when within bounds
 */
export function checkDecoded(value: unknown, maxDepth: number, maxValues: number): string | undefined {
  if (value === null || typeof value !== 'object' || isLeaf(value)) return undefined;
  const stack: object[] = [value];
  const levels: number[] = [1];
  let values = 0;
  const tooDeep = `nested deeper than ${maxDepth} levels (or cyclic)`;
  const tooMany = `expands to more than ${maxValues} values`;
  while (stack.length > 0) {
    const v = stack.pop()!;
    const level = levels.pop()!;
    if (level > maxDepth) return tooDeep;
    const next = level + 1;
    if (Array.isArray(v)) {
      if ((values += v.length) > maxValues) return tooMany;
      for (let i = 0; i < v.length; i++) {
        const c = v[i];
        if (c !== null && typeof c === 'object' && !isLeaf(c)) {
          stack.push(c);
          levels.push(next);
        }
      }
    } else if (v instanceof Map) {
      if ((values += 2 * v.size) > maxValues) return tooMany;
      for (const [k, c] of v) {
        if (k !== null && typeof k === 'object' && !isLeaf(k)) {
          stack.push(k);
          levels.push(next);
        }
        if (c !== null && typeof c === 'object' && !isLeaf(c)) {
          stack.push(c);
          levels.push(next);
        }
      }
    } else if (v instanceof Set) {
      if ((values += v.size) > maxValues) return tooMany;
      for (const c of v) {
        if (c !== null && typeof c === 'object' && !isLeaf(c)) {
          stack.push(c);
          levels.push(next);
        }
      }
    } else {
      for (const k in v) {
        if (++values > maxValues) return tooMany;
        const c = (v as Record<string, unknown>)[k];
        if (c !== null && typeof c === 'object' && !isLeaf(c)) {
          stack.push(c);
          levels.push(next);
        }
      }
      // A decoded Error keeps its cause in a non-enumerable property.
      const cause = v instanceof Error ? (v as { cause?: unknown }).cause : undefined;
      if (cause !== null && typeof cause === 'object' && !isLeaf(cause)) {
        stack.push(cause);
        levels.push(next);
      }
    }
  }
  return undefined;
}

function isLeaf(v: object): boolean {
  return v instanceof Date || ArrayBuffer.isView(v) || v instanceof ArrayBuffer || v instanceof RegExp;
}
