import type { Keyspace } from '../keyspace/keyspace.js';

// Commands whose keys start at the third argument (after the script and the key count).
const KEYS_AFTER_NUMKEYS = new Set(['eval', 'evalsha', 'eval_ro', 'evalsha_ro', 'fcall', 'fcall_ro']);

/** The first key a command touches, or undefined for keyless commands we cannot tell apart. */
export function firstKey(name: string, args: readonly unknown[]): string | undefined {
  const arg = KEYS_AFTER_NUMKEYS.has(name) ? (Number(args[1]) > 0 ? args[2] : undefined) : args[0];
  if (typeof arg === 'string') return arg;
  if (Buffer.isBuffer(arg)) return arg.toString('latin1', 0, Math.min(arg.length, 256));
  return undefined;
}

/**
 * The namespace (feature) of a key built by `keyspace`: `rk:shop:prod:cache:users:42` → `cache`.
 * Keys outside the keyspace, and keyless commands, give `other`, so the value set stays bounded
 * by the features of the application and a raw key never reaches a log line or a label.
 *
 * @example
 * namespaceOf(keyspace, keyspace.key('session', 'abc')) // 'session'
 */
export function namespaceOf(keyspace: Keyspace, key: string | undefined): string {
  if (key === undefined || !key.startsWith(keyspace.root)) return 'other';
  const end = key.indexOf(keyspace.separator, keyspace.root.length);
  const feature = key.slice(keyspace.root.length, end === -1 ? undefined : end);
  // A hash-tagged or encoded segment is user data, not a feature name.
  return feature && !/[{}%]/.test(feature) ? feature : 'other';
}
