import { RediskitArgumentError } from '../errors.js';

/** How keys are laid out. Every part is optional; empty parts are left out. */
export interface KeyspaceOptions {
  /** First segment of every key, e.g. the company or product. @default `rk` */
  prefix?: string;
  /** The application name. @default none: left out of keys */
  app?: string;
  /** The environment (`production`, `staging`...), so environments can share one Redis. @default none: left out of keys */
  env?: string;
  /** Segment separator: one punctuation character. @default `:` */
  separator?: string;
}

/** A key part that came from a user: encoded so it cannot leave its namespace. */
export type KeyPart = string | number;

// Characters that would let a user-supplied part add segments, match as a glob or pick a
// cluster slot. `%` is the escape itself, so it is escaped too and decoding stays unambiguous.
const UNSAFE = /[%:*?[\]{}\\\s]/g;
const ANY_UNSAFE = /[%:*?[\]{}\\\s]/;
/** A valid separator: exactly one punctuation character that is not a glob, tag or escape character. */
export const SEPARATOR = /^[^*?[\]{}\\%\w\s]$/;

/**
 * Throws when `text` holds a lone UTF-16 surrogate: encoded to UTF-8 it becomes U+FFFD, so
 * `'x\uD800'`, `'x\uDC00'` and `'x\uFFFD'` would all name the same Redis key.
 */
export function assertWellFormed(text: string, argument: string): void {
  if (!(text as unknown as { isWellFormed(): boolean }).isWellFormed()) {
    throw new RediskitArgumentError(argument, 'must be well-formed UTF-16 (it holds a lone surrogate)');
  }
}

/** Percent-encodes the characters of a user-supplied key part that could escape its namespace. */
export function encodeKeyPart(part: KeyPart, separator = ':'): string {
  const text = typeof part === 'number' ? String(part) : part;
  if (typeof text !== 'string' || text.length === 0) {
    throw new RediskitArgumentError('key', `parts must be non-empty strings or numbers, got ${JSON.stringify(part)}`);
  }
  assertWellFormed(text, 'key');
  let out = ANY_UNSAFE.test(text) ? text.replace(UNSAFE, percent) : text;
  if (separator !== ':' && out.includes(separator)) out = out.split(separator).join(percent(separator));
  return out;
}

// Few distinct characters are ever escaped (`:` in most keys): each one's escape is built once.
const escapes = new Map<string, string>();

function percent(ch: string): string {
  let e = escapes.get(ch);
  if (e === undefined) {
    e = [...Buffer.from(ch)].map((b) => '%' + b.toString(16).toUpperCase().padStart(2, '0')).join('');
    if (escapes.size < 256) escapes.set(ch, e);
  }
  return e;
}

/**
 * Builds namespaced keys `prefix:app:env:feature:part...`. User-supplied parts are encoded,
 * so `keyspace.key('cache', userInput)` can never reach another feature's keys, match extra keys
 * in a SCAN pattern, or choose a cluster slot.
 *
 * @example
 * keyspace.key('session', 'abc')            // rk:shop:production:session:abc
 * keyspace.slotted('lock', 'order:7', 'fence') // rk:shop:production:lock:{order%3A7}:fence
 */
export class Keyspace {
  /** The fixed leading segments, ending with the separator. */
  readonly root: string;
  readonly separator: string;

  constructor(options: KeyspaceOptions = {}) {
    this.separator = options.separator ?? ':';
    // With a longer separator, ('a-', 'b') and ('a', '-b') would build the same key.
    if (!SEPARATOR.test(this.separator)) {
      throw new RediskitArgumentError('keyspace.separator', `must be one punctuation character other than * ? [ ] { } \\ %, got ${JSON.stringify(this.separator)}`);
    }
    const segments = [options.prefix ?? 'rk', options.app, options.env].filter((s): s is string => !!s);
    const joined = segments.find((s) => s.includes(this.separator));
    if (joined) throw new RediskitArgumentError('keyspace', `segment ${JSON.stringify(joined)} contains the separator ${JSON.stringify(this.separator)}`);
    this.root = segments.map((s) => s + this.separator).join('');
  }

  /** `root:feature:part:part`, every part encoded. */
  key(feature: string, ...parts: KeyPart[]): string {
    let key = this.root + feature;
    for (const part of parts) key += this.separator + encodeKeyPart(part, this.separator);
    return key;
  }

  /**
   * A key whose cluster slot is chosen by `slotPart` alone (it is wrapped in a hash tag), so
   * every key built with the same feature and `slotPart` can be used together in one script.
   */
  slotted(feature: string, slotPart: KeyPart, ...parts: KeyPart[]): string {
    let key = `${this.root}${feature}${this.separator}{${encodeKeyPart(slotPart, this.separator)}}`;
    for (const part of parts) key += this.separator + encodeKeyPart(part, this.separator);
    return key;
  }

  /** The SCAN pattern that matches every key of `feature` (optionally below some parts). */
  pattern(feature: string, ...parts: KeyPart[]): string {
    return this.key(feature, ...parts) + this.separator + '*';
  }

  /** A view whose keys all live below `feature` (used by capabilities for their own keys). */
  scope(feature: string): KeyScope {
    return new KeyScope(this, feature);
  }
}

/** The keys of one feature: `scope.key('a')` is `keyspace.key(feature, 'a')`. */
export class KeyScope {
  constructor(
    readonly keyspace: Keyspace,
    readonly feature: string,
  ) {}

  key(...parts: KeyPart[]): string {
    return this.keyspace.key(this.feature, ...parts);
  }

  slotted(slotPart: KeyPart, ...parts: KeyPart[]): string {
    return this.keyspace.slotted(this.feature, slotPart, ...parts);
  }

  pattern(...parts: KeyPart[]): string {
    return this.keyspace.pattern(this.feature, ...parts);
  }
}
