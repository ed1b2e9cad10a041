import { RediskitArgumentError } from '../errors.js';
import { encodeKeyPart, type KeyPart, type Keyspace } from '../keyspace/keyspace.js';

/** Which kind of channel a message arrived on. */
export type ChannelKind = 'channel' | 'user' | 'broadcast';

/** A Redis channel name read back: its kind and the name the application used. */
export interface ChannelName {
  readonly kind: ChannelKind;
  /** The application's channel name, or the user id for `user`, `''` for `broadcast`. */
  readonly channel: string;
}

/**
 * Maps application channel names to namespaced Redis channels and back. Application parts are
 * encoded like key parts, so a channel name can never reach another app's channels nor act as
 * a glob in a pattern subscription:
 *
 * - `publish('orders', …)`      → `rk:shop:pubsub:c:orders`
 * - `notifyUser(42, …)`         → `rk:shop:pubsub:u:{42}` (same slot as the inbox `rk:shop:pubsub:inbox:{42}`)
 * - `broadcast(…)`              → `rk:shop:pubsub:broadcast`
 *
 * @example
 * const channels = new PubSubChannels(keyspace);
 * channels.channel('orders:eu') // rk:pubsub:c:orders%3Aeu
 */
export class PubSubChannels {
  private readonly channelPrefix: string;
  private readonly userPrefix: string;
  readonly broadcast: string;
  // Most apps use a few channels over and over: skip re-encoding them on every message.
  private readonly channelCache = new Map<string, string>();
  private readonly parseCache = new Map<string, ChannelName | null>();

  constructor(private readonly keyspace: Keyspace) {
    const sep = keyspace.separator;
    this.channelPrefix = keyspace.key('pubsub', 'c') + sep;
    this.userPrefix = keyspace.key('pubsub', 'u') + sep;
    this.broadcast = keyspace.key('pubsub', 'broadcast');
  }

  /** The Redis channel of an application channel. */
  channel(name: string): string {
    let channel = this.channelCache.get(name);
    if (channel === undefined) {
      channel = this.channelPrefix + encodeKeyPart(checkName(name, 'channel'), this.keyspace.separator);
      remember(this.channelCache, name, channel);
    }
    return channel;
  }

  /**
   * The Redis pattern of an application pattern: `*` and `?` stay globs, everything else is
   * encoded (so `[`…`]` classes and `\` escapes are literal characters, not glob syntax).
   */
  pattern(glob: string): string {
    checkName(glob, 'pattern');
    const sep = this.keyspace.separator;
    const parts = glob.split(/([*?])/).filter((p) => p !== '');
    return this.channelPrefix + parts.map((p) => (p === '*' || p === '?' ? p : encodeKeyPart(p, sep))).join('');
  }

  /** The channel of one user's live notifications (hash-tagged like the user's inbox). */
  user(userId: KeyPart): string {
    return this.keyspace.slotted(`pubsub${this.keyspace.separator}u`, checkUser(userId));
  }

  /** The inbox stream of a user and its acknowledgement cursor (one slot). */
  inboxKeys(userId: KeyPart): { stream: string; cursor: string } {
    const feature = `pubsub${this.keyspace.separator}inbox`;
    const id = checkUser(userId);
    return { stream: this.keyspace.slotted(feature, id), cursor: this.keyspace.slotted(feature, id, 'ack') };
  }

  /** Reads a Redis channel back (a frozen, cached object); `undefined` for a channel that is not one of ours. */
  parse(redisChannel: string): ChannelName | undefined {
    let parsed = this.parseCache.get(redisChannel);
    if (parsed === undefined) remember(this.parseCache, redisChannel, (parsed = this.parseUncached(redisChannel) ?? null));
    return parsed ?? undefined;
  }

  private parseUncached(redisChannel: string): ChannelName | undefined {
    if (redisChannel.startsWith(this.channelPrefix)) return Object.freeze({ kind: 'channel', channel: decodePart(redisChannel.slice(this.channelPrefix.length)) });
    if (redisChannel === this.broadcast) return Object.freeze({ kind: 'broadcast', channel: '' });
    if (redisChannel.startsWith(this.userPrefix)) {
      const tagged = redisChannel.slice(this.userPrefix.length);
      return Object.freeze({ kind: 'user', channel: decodePart(tagged.slice(1, -1)) });
    }
    return undefined;
  }
}

const CACHE_LIMIT = 1000;

// A bounded memo: when full it starts over, so endless distinct names cannot grow memory.
function remember<K, V>(cache: Map<K, V>, key: K, value: V): void {
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(key, value);
}

function checkName(name: string, argument: string): string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new RediskitArgumentError(argument, `must be a non-empty string, got ${JSON.stringify(name)}`);
  }
  return name;
}

function checkUser(userId: KeyPart): KeyPart {
  if ((typeof userId !== 'string' && typeof userId !== 'number') || userId === '') {
    throw new RediskitArgumentError('userId', `must be a non-empty string or a number, got ${JSON.stringify(userId)}`);
  }
  return userId;
}

// encodeKeyPart percent-encodes the UTF-8 bytes of a few characters (and `%` itself, so no
// other `%` remains), which is exactly what decodeURIComponent reverses.
function decodePart(part: string): string {
  if (!part.includes('%')) return part;
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
