import type { Duration } from '../options/duration.js';

/**
 * Where a session was created from (shown by `listForUser`, used for binding).
 *
 * @example
 * { ...sessions.clientOf(req), device: 'Firefox on Linux' }
 */
export interface SessionClient {
  /** A label chosen by the app ("iPhone", "Firefox on Linux"). @default none */
  device?: string;
  /** The client's IP (what `binding.ip` compares). @default none */
  ip?: string;
  /** The client's User-Agent (what `binding.userAgent` compares). @default none */
  userAgent?: string;
  /** Hash of identifying request headers (see `SessionService.clientOf`). @default none */
  fingerprint?: string;
}

/**
 * A session as `get`, `touch` and the guard return it. Times are milliseconds since the epoch,
 * taken from Redis' clock.
 *
 * @example
 * const session = await sessions.get(token);
 * if (session && session.userId === order.ownerId) { ... }
 */
export interface Session<T = Record<string, unknown>> extends SessionClient {
  /** Public id: the SHA-256 of the token (safe to show and log; cannot be used as a token). */
  id: string;
  userId: string;
  data: T;
  createdAt: number;
  lastActiveAt: number;
  /** When the session ends if unused (idle timeout, capped by `absoluteExpiresAt`). */
  expiresAt: number;
  /** When the session ends however active it is. */
  absoluteExpiresAt: number;
  /** Step-up verifications: factor → valid until (ms). */
  verified: Record<string, number>;
  /** Redis' clock when this session was read (compare `verified` against it); estimated within a network trip on reads that wrote nothing. */
  readAt: number;
  /** Internal revision, bumped by every `update`. */
  revision: number;
  /**
   * True for a session `SessionGuard` admitted from a fallback cookie while Redis was
   * unreachable (`session.degraded`): read-only, with no data (`{}`), no step-up
   * verifications, and no token on the request. Absent otherwise.
   */
  degraded?: boolean;
}

/**
 * One entry of `listForUser`: the session without its data.
 *
 * @example
 * (await sessions.listForUser(userId)).map((s) => `${s.device} · ${s.ip} · ${new Date(s.lastActiveAt).toISOString()}`)
 */
export type SessionInfo = Omit<Session, 'data' | 'verified' | 'readAt' | 'revision'>;

/**
 * Options of `SessionService.create`.
 *
 * @example
 * await sessions.create(user.id, data, { ...sessions.clientOf(req), device: 'kiosk', ttl: '5m' });
 */
export interface CreateSessionOptions extends SessionClient {
  /** Idle timeout of this session; never beyond the absolute timeout. @default `session.ttl` */
  ttl?: Duration;
}

/**
 * A new session and the token to hand to the client (the only time the token is known).
 *
 * @example
 * const { token, session } = await sessions.create(user.id);
 * sessions.setCookie(res, token, session);
 */
export interface CreatedSession<T = Record<string, unknown>> {
  token: string;
  session: Session<T>;
}

export type SessionEventType = 'created' | 'rotated' | 'destroyed' | 'evicted' | 'rejected';

/**
 * An audit event. Carries session ids (hashes), never tokens.
 *
 * - `created`: a login; `rotated`: a new token replaced `previousSessionId`;
 * - `destroyed`: `reason` `logout` (destroy), `logout-all` (destroyAllForUser) or `revoked` (destroyById);
 * - `evicted`: pushed out by `maxPerUser`; `rejected`: the guard refused a live session
 *   (`reason` `ip`, `user-agent`, `fingerprint`, `risk`).
 *
 * @example
 * events.on('destroyed', (e) => audit.log(`${e.userId} ended session ${e.sessionId} (${e.reason})`));
 */
export interface SessionEvent {
  type: SessionEventType;
  userId: string;
  sessionId: string;
  /** Redis time of the event when known, else the app's clock (ms). */
  at: number;
  reason?: string;
  previousSessionId?: string;
  client?: SessionClient;
  /** The risk score when `reason` is `risk`. */
  risk?: number;
}
