import type { Codec } from '../codec/codec.js';
import type { RedisConnection } from '../connection/redis-connection.js';
import type { SessionKeys } from './session.keys.js';
import type { SessionMetrics } from './session.metrics.js';
import { isWellFormedToken } from './session.token.js';

/** What the parts of `SessionService` share to reach Redis: connection, key names, codec, metrics, time budget. */
export interface SessionBackend {
  readonly connection: RedisConnection;
  readonly keys: SessionKeys;
  readonly codec: Codec;
  readonly metrics: SessionMetrics;
  /** Time budget of each Redis call (`session.commandTimeout`, else the connection's). */
  readonly budget: number;
}

/** True when `token` has a token's form; a malformed one is counted and costs no Redis call. */
export function wellFormed(token: string, metrics: SessionMetrics): boolean {
  if (isWellFormedToken(token)) return true;
  metrics.malformed.inc();
  return false;
}
