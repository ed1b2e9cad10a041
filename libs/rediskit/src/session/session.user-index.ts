import { scanKeys } from '../connection/scan.js';
import { sessionDestroyAllScript } from './session-destroy-all.lua.js';
import { sessionListScript } from './session-list.lua.js';
import { sessionPruneScript } from './session-prune.lua.js';
import type { SessionBackend } from './session.backend.js';
import { parseInfo } from './session.record.js';
import { sessionBucket } from './session.token.js';
import type { SessionInfo } from './session.types.js';

/**
 * What goes through a user's index of sessions (a ZSET on the user's slot), so no call needs
 * SCAN except `prune`: ending them all, listing them, dropping entries of expired ones.
 */
export class SessionUserIndex {
  constructor(private readonly backend: SessionBackend) {}

  /** Deletes every session of `uid`: Redis' time and the ids that ended. */
  async destroyAll(uid: string): Promise<[number, ...string[]]> {
    const { connection, keys, budget } = this.backend;
    return connection.script<[number, ...string[]]>(sessionDestroyAllScript, [keys.index(uid)], [keys.sessionPrefix(sessionBucket(uid))], budget);
  }

  /** The live sessions of `uid`, oldest first. */
  async list(uid: string): Promise<SessionInfo[]> {
    const { connection, keys, budget } = this.backend;
    const entries = await connection.script<string[][]>(sessionListScript, [keys.index(uid)], [keys.sessionPrefix(sessionBucket(uid))], budget);
    return entries.map((entry) => parseInfo(uid, entry));
  }

  /** Drops index entries of expired sessions in every index (SCAN) and sets the `session_active` gauge. */
  async prune(): Promise<{ indexes: number; removed: number; active: number }> {
    const { connection, keys, metrics, budget } = this.backend;
    let indexes = 0;
    let removed = 0;
    let active = 0;
    for await (const batch of scanKeys(connection, keys.indexPattern())) {
      const results = await Promise.all(
        batch.map((index) => {
          const bucket = /\{([^}]*)\}/.exec(index)?.[1] ?? '';
          return connection.script<[number, number]>(sessionPruneScript, [index], [keys.sessionPrefix(bucket)], budget);
        }),
      );
      for (const [gone, left] of results) {
        indexes++;
        removed += gone;
        active += left;
      }
    }
    metrics.active.set({}, active);
    return { indexes, removed, active };
  }
}
