import { toPositiveMs } from '../options/duration.js';
import { userIdOf } from './session.arguments.js';
import { wellFormed, type SessionBackend } from './session.backend.js';
import { sessionCreateScript } from './session-create.lua.js';
import { sessionRotateScript } from './session-rotate.lua.js';
import { validateSessionData } from './session.data-validator.js';
import { clientFields, clientInfo, parseSession } from './session.record.js';
import type { SessionSettings } from './session.settings.js';
import { bucketOf, generateToken, hashToken, sessionBucket } from './session.token.js';
import type { CreatedSession, CreateSessionOptions, Session, SessionEvent } from './session.types.js';

/**
 * Hands out session tokens: a new session on login (evicting the user's oldest beyond
 * `maxPerUser`, atomically) and a new token for a live session on rotation. Each is one script
 * on the user's slot; Redis keeps only the token's SHA-256.
 */
export class SessionIssuer {
  constructor(
    private readonly backend: SessionBackend,
    private readonly settings: SessionSettings,
    private readonly emit: (event: SessionEvent) => void,
  ) {}

  /** A new session of `userId` and its token (see `SessionService.create`). */
  async create<T>(userId: string | number, data: T | undefined, options: CreateSessionOptions): Promise<CreatedSession<T>> {
    const { connection, keys, codec, metrics, budget } = this.backend;
    const uid = userIdOf(userId);
    const idle = options.ttl === undefined ? this.settings.ttl : toPositiveMs(options.ttl, 'ttl');
    const value = (data === undefined ? {} : data) as T;
    validateSessionData(this.settings.dataClass, value);
    const client = clientFields(options);
    const bucket = sessionBucket(uid);
    const token = generateToken(bucket);
    const id = hashToken(token);
    const key = keys.session(bucket, id);
    const reply = await connection.script<[number, ...string[]]>(
      sessionCreateScript,
      [keys.index(uid), key],
      [keys.sessionPrefix(bucket), id, this.settings.maxPerUser, idle, this.settings.absoluteTimeout, uid, codec.encode(value, key), ...client],
      budget,
    );
    const [now, ...evicted] = reply;
    connection.clock.observe(now);
    const absoluteExpiresAt = now + this.settings.absoluteTimeout;
    const session: Session<T> = {
      id,
      userId: uid,
      data: value,
      createdAt: now,
      lastActiveAt: now,
      expiresAt: Math.min(now + idle, absoluteExpiresAt),
      absoluteExpiresAt,
      ...clientInfo(options),
      verified: {},
      readAt: now,
      revision: 1,
    };
    metrics.created.inc();
    for (const evictedId of evicted) {
      metrics.ended.inc({ reason: 'evicted' });
      this.emit({ type: 'evicted', userId: uid, sessionId: evictedId, at: now, reason: 'max-sessions' });
    }
    this.emit({ type: 'created', userId: uid, sessionId: id, at: now, client: clientInfo(options) });
    return { token, session };
  }

  /** A new token for the session of `token`, or null when it is gone (see `SessionService.rotate`). */
  async rotate<T>(token: string): Promise<CreatedSession<T> | null> {
    const { connection, keys, codec, metrics, budget } = this.backend;
    if (!wellFormed(token, metrics)) return null;
    const bucket = bucketOf(token);
    const oldId = hashToken(token);
    const next = generateToken(bucket);
    const id = hashToken(next);
    const key = keys.session(bucket, id);
    const reply = await connection.scriptBuffer<[number, ...(Buffer | null)[]] | null>(sessionRotateScript, [keys.session(bucket, oldId), key], [oldId, id], budget);
    if (!reply) return null;
    const [now, ...fields] = reply;
    connection.clock.observe(now);
    const session = parseSession<T>(id, fields, now, codec, key);
    metrics.rotated.inc();
    this.emit({ type: 'rotated', userId: session.userId, sessionId: id, previousSessionId: oldId, at: now });
    return { token: next, session };
  }
}
