import type { Cluster } from 'ioredis';
import { sessionReadScript } from './session-read.lua.js';
import { wellFormed, type SessionBackend } from './session.backend.js';
import { LAST_ACTIVE, parseSession, SESSION_FIELDS } from './session.record.js';
import { bucketOf, hashToken } from './session.token.js';
import type { Session } from './session.types.js';

/**
 * The read path of sessions (`get`, `touch`, and what `SessionGuard` pays on every request).
 * Most requests need no write: a plain HMGET (a tenth of a script's cost in Redis) serves
 * them. When the idle timeout is due for extension, or Redis' clock was not read lately, the
 * read script decides and writes with Redis' TIME, atomically.
 */
export class SessionReader {
  // A cluster that reads from replicas could serve a session just revoked on its master: then
  // every read goes through the script, which runs on the master.
  private readonly plainReads: boolean;

  constructor(
    private readonly backend: SessionBackend,
    private readonly touchInterval: number,
  ) {
    const { connection } = backend;
    const scaleReads = connection.isCluster ? (connection.client as Cluster).options.scaleReads : undefined;
    this.plainReads = scaleReads === undefined || scaleReads === 'master';
  }

  /** The live session of `token` or null; `touch` slides its idle timeout; `exact` judges by Redis' TIME. */
  async read<T>(token: string, touch: boolean, exact = false): Promise<Session<T> | null> {
    const { connection, keys, codec, metrics, budget } = this.backend;
    if (!wellFormed(token, metrics)) return null;
    const id = hashToken(token);
    const key = keys.session(bucketOf(token), id);
    if (this.plainReads && connection.clock.fresh && !exact) {
      const fields = await connection.run((client) => client.hmgetBuffer(key, ...SESSION_FIELDS), budget);
      if (fields[0] === null) {
        metrics.misses.inc();
        return null;
      }
      const now = connection.clock.now();
      if (!touch || now - Number(fields[LAST_ACTIVE]) < this.touchInterval) {
        metrics.hits.inc();
        return parseSession<T>(id, fields, now, codec, key);
      }
    }
    const reply = await connection.scriptBuffer<[number, number, ...(Buffer | null)[]] | null>(sessionReadScript, [key], [touch ? '1' : '0', this.touchInterval, id], budget);
    if (!reply) {
      metrics.misses.inc();
      return null;
    }
    const [now, touched, ...fields] = reply;
    connection.clock.observe(now);
    metrics.hits.inc();
    if (touched === 1) metrics.touchWrites.inc();
    return parseSession<T>(id, fields, now, codec, key);
  }
}
