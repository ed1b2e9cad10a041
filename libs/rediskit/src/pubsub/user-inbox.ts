import type { Codec } from '../codec/codec.js';
import type { RedisConnection } from '../connection/redis-connection.js';
import { RediskitArgumentError } from '../errors.js';
import { inboxAckScript } from './pubsub-inbox-ack.lua.js';
import { inboxFetchScript } from './pubsub-inbox-fetch.lua.js';
import { decodeEntry, type Envelope } from './pubsub.envelope.js';

/** Options of {@link UserInbox.fetch}. */
export interface InboxFetchOptions {
  /**
   * Return messages after this id (exclusive; `'0'` for everything kept). Without it, the
   * messages after the last acknowledged one.
   * @default the last acknowledged id
   */
  since?: string;
  /** At most this many messages. @default 100, at most 10 000 */
  limit?: number;
}

const STREAM_ID = /^\d+-\d+$/;
const MAX_LIMIT = 10_000;

/**
 * One user's inbox: every `notifyUser` message of the last `retention` (at most about
 * `maxLength` of them), in order, with the same ids the live messages carried. A client that
 * was offline calls `fetch({ since: lastSeenId })`, or `fetch()` then `ack(lastId)`.
 *
 * @example
 * const inbox = pubsub.inbox(userId);
 * for (const m of await inbox.fetch({ limit: 50 })) deliver(m);
 * await inbox.ack(lastDeliveredId);
 */
export class UserInbox {
  constructor(
    private readonly connection: RedisConnection,
    private readonly codec: Codec,
    private readonly keys: { stream: string; cursor: string },
    private readonly retentionMs: number,
    private readonly budget = connection.commandTimeout,
  ) {}

  /** Messages in order, oldest first. */
  async fetch<T = unknown>(options: InboxFetchOptions = {}): Promise<Envelope<T>[]> {
    const since = options.since === undefined ? '' : checkId(options.since === '0' ? '0-0' : options.since, 'since');
    const limit = options.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
      throw new RediskitArgumentError('limit', `must be an integer from 1 to ${MAX_LIMIT}, got ${JSON.stringify(options.limit)}`);
    }
    const entries = await this.connection.scriptBuffer<[Buffer, Buffer[]][]>(inboxFetchScript, [this.keys.stream, this.keys.cursor], [since, limit, this.retentionMs], this.budget);
    return entries.map(([id, fields]) => decodeEntry<T>(this.codec, id.toString(), bodyOf(fields), this.keys.stream));
  }

  /**
   * Marks every message up to and including `id` as read: `fetch()` without `since` starts
   * after it. The cursor never moves back. Returns whether it moved.
   */
  async ack(id: string): Promise<boolean> {
    checkId(id, 'id');
    return (await this.connection.script<number>(inboxAckScript, [this.keys.cursor], [id, this.retentionMs], this.budget)) === 1;
  }

  /** Deletes the inbox and its cursor (e.g. when the account is deleted). */
  async clear(): Promise<void> {
    await this.connection.run((c) => c.unlink(this.keys.stream, this.keys.cursor), this.budget);
  }
}

function checkId(id: string, argument: string): string {
  if (typeof id !== 'string' || !STREAM_ID.test(id)) {
    throw new RediskitArgumentError(argument, `must be a message id like "1700000000000-0", got ${JSON.stringify(id)}`);
  }
  return id;
}

function bodyOf(fields: Buffer[]): Buffer {
  for (let i = 0; i < fields.length; i += 2) if (fields[i].toString() === 'b') return fields[i + 1];
  return Buffer.alloc(0);
}
