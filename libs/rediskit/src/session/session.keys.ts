import type { KeyScope } from '../keyspace/keyspace.js';
import { sessionBucket } from './session.token.js';

/**
 * Key layout of sessions. Every key of one user carries the user's bucket as hash tag:
 *
 * - `…:session:{bucket}:s:<id>`    a session (HASH), id = SHA-256 of the token
 * - `…:session:{bucket}:u:<user>`  the user's index (ZSET id → creation time)
 *
 * so the scripts that touch a session and its index run on one cluster slot.
 */
export class SessionKeys {
  constructor(private readonly scope: KeyScope) {}

  /** The session with id `id` in `bucket`. */
  session(bucket: string, id: string): string {
    return this.scope.slotted(bucket, 's', id);
  }

  /** Prefix such that `prefix + id` is a session key of `bucket` (for scripts). */
  sessionPrefix(bucket: string): string {
    return this.scope.slotted(bucket, 's') + this.scope.keyspace.separator;
  }

  /** The index of `userId`'s sessions. */
  index(userId: string): string {
    return this.scope.slotted(sessionBucket(userId), 'u', userId);
  }

  /** SCAN pattern matching every user index (for `cleanup`). */
  indexPattern(): string {
    const sep = this.scope.keyspace.separator;
    return `${this.scope.keyspace.root}${this.scope.feature}${sep}{*}${sep}u${sep}*`;
  }
}
