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
 * The first key segments (after the keyspace root) of rediskit's own features: cache entries,
 * their locks, tag versions and bus; sessions (and the express-session store); locks; rate
 * limits (and the @nestjs/throttler storage); pub/sub channels and inboxes; health round trips;
 * geo collections; reservation stock and holds; idempotency records; the invalidation event stream.
 */
export const LIBRARY_NAMESPACES: readonly string[] = ['cache', 'cache-lock', 'cache-tags', 'cache-bus', 'session', 'sess', 'lock', 'ratelimit', 'throttler', 'pubsub', 'health', 'geo', 'reservation', 'idempotency', 'invalidation'];

/** A namespace the app may allowlist in `metrics.namespaces`: a short name, no separator or tag characters. */
export const NAMESPACE_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** At most this many namespaces in `metrics.namespaces`. */
export const MAX_EXTRA_NAMESPACES = 100;

/**
 * The namespace (feature) of a key built by `keyspace`, for metric labels and log lines:
 * `rk:shop:prod:cache:users:42` → `cache`. Only rediskit's own features
 * ({@link LIBRARY_NAMESPACES}) and the ones the app allowlists (`metrics.namespaces`) are
 * named; any other key (`rk:shop:prod:<userId>` written on the raw client, a foreign key) and
 * keyless commands give `other`. So the label's values are a fixed set, and no user id or other
 * key part reaches a label or a log line.
 *
 * @example
 * const namespaces = new CommandNamespaces(keyspace, ['orders']);
 * namespaces.of(keyspace.key('session', 'abc')) // 'session'
 * namespaces.of(keyspace.key('orders', 7))      // 'orders'
 * namespaces.of(keyspace.key('user-42', 'cart')) // 'other'
 */
export class CommandNamespaces {
  private readonly known: ReadonlySet<string>;

  constructor(
    private readonly keyspace: Keyspace,
    allowlist: readonly string[] = [],
  ) {
    this.known = new Set([...LIBRARY_NAMESPACES, ...allowlist]);
  }

  /** The namespace label of a key (`other` for undefined). */
  of(key: string | undefined): string {
    const { root, separator } = this.keyspace;
    if (key === undefined || !key.startsWith(root)) return 'other';
    const end = key.indexOf(separator, root.length);
    const feature = key.slice(root.length, end === -1 ? undefined : end);
    return this.known.has(feature) ? feature : 'other';
  }
}
