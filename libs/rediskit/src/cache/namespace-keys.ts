import { RediskitArgumentError } from '../errors.js';
import { encodeKeyPart, type Keyspace } from '../keyspace/keyspace.js';
import { encodeGlob, MAX_GLOB_LENGTH } from './glob.js';

/** Throws `RediskitArgumentError` unless `name` is a namespace name (a non-empty string). */
export function checkNamespaceName(name: unknown): void {
  if (typeof name !== 'string' || name.length === 0) throw new RediskitArgumentError('namespace', `must be a non-empty string, got ${JSON.stringify(name)}`);
}

/**
 * The Redis keys of one cache namespace: its prefixes, the keys of its entries (encoded, so a
 * key never escapes the namespace) and the patterns of `invalidatePattern`.
 */
export class NamespaceKeys {
  /** Prefix of the namespace's entries. */
  readonly prefix: string;
  /** Prefix of its stampede locks. */
  readonly lockPrefix: string;
  // Remembers recent keys' Redis keys: hot keys skip encoding, and the memory layer then looks
  // up a string whose hash is already computed (a hit costs a fraction of building the key).
  private readonly recent = new Map<string, string>();

  constructor(
    private readonly keyspace: Keyspace,
    name: string,
  ) {
    checkNamespaceName(name);
    this.prefix = keyspace.key('cache', name) + keyspace.separator;
    this.lockPrefix = keyspace.key('cache-lock', name) + keyspace.separator;
  }

  /** The Redis key of `key` (`RediskitArgumentError` unless it is a non-empty string). */
  full(key: string): string {
    let full = this.recent.get(key);
    if (full !== undefined) return full;
    if (typeof key !== 'string' || key.length === 0) throw new RediskitArgumentError('key', `must be a non-empty string, got ${JSON.stringify(key)}`);
    full = this.prefix + encodeKeyPart(key, this.keyspace.separator);
    if (this.recent.size >= 10_000) this.recent.clear();
    this.recent.set(key, full);
    return full;
  }

  /** The SCAN pattern of the namespace's keys matching `glob` (checked: non-empty, at most 512 characters). */
  pattern(glob: string): string {
    if (typeof glob !== 'string' || glob.length === 0) throw new RediskitArgumentError('pattern', `must be a non-empty string, got ${JSON.stringify(glob)}`);
    if (glob.length > MAX_GLOB_LENGTH) throw new RediskitArgumentError('pattern', `must be at most ${MAX_GLOB_LENGTH} characters, got ${glob.length}`);
    return this.prefix + encodeGlob(glob, this.keyspace.separator);
  }
}
