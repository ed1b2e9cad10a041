import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { readCookie, serializeCookie, type ResolvedCookieOptions } from './session.cookie.js';
import { clientIp, fingerprintOf, type RequestLike } from './session.request.js';
import type { SessionSettings } from './session.settings.js';
import { hashToken } from './session.token.js';
import type { Session } from './session.types.js';

/** What a valid fallback cookie says. */
export interface FallbackClaims {
  /** SHA-256 (base64url) of the session token it was issued with: the session's id. */
  sessionId: string;
  userId: string;
  /** Until when it may be used (ms, this machine's clock). */
  expiresAt: number;
}

const VERSION = 'v1';
/** The longest fallback cookie read: a version, a 43-character id, a user id of at most 256 characters (encoded), a time, a binding digest, a MAC. */
const MAX_COOKIE_LENGTH = 1024;

/**
 * The signed fallback cookie of degraded sign-in (`session.degraded`): next to the session
 * token, the guard issues `v1.<session id>.<user id>.<expiry>.<binding>.<mac>`, an HMAC-SHA256
 * with the signing key over the rest. While Redis is unreachable, and only then, the guard
 * accepts a cookie that verifies with one of the keys (the signing key or a verification key:
 * rotation), has not expired, names the session of the token the request carries, and matches
 * the request's bound properties (`session.binding`). Nothing secret is in it: the session id is
 * the token's hash, as Redis stores it.
 */
export class FallbackCookies {
  private readonly keys: Buffer[];
  private readonly signingKey: Buffer;
  readonly cookie: ResolvedCookieOptions;
  readonly ttl: number;

  constructor(
    private readonly settings: SessionSettings,
    degraded: ResolvedDegraded,
  ) {
    this.signingKey = Buffer.from(degraded.signingKey);
    this.keys = [this.signingKey, ...degraded.verificationKeys.map((k) => Buffer.from(k))];
    this.cookie = { ...settings.cookie, name: degraded.cookieName };
    this.ttl = degraded.ttl;
  }

  /**
   * The `Set-Cookie` value for `session` (read from Redis for `token` at `now`, Redis' clock),
   * or undefined when the request already carries one that stays valid for over half its
   * lifetime.
   */
  issue(request: RequestLike, token: string, session: Session, now: number): string | undefined {
    const current = this.verify(request, token, now);
    if (current && current.expiresAt - now > this.ttl / 2) return undefined;
    const expiresAt = Math.floor(Math.min(now + this.ttl, session.expiresAt, session.absoluteExpiresAt));
    const body = [VERSION, session.id, Buffer.from(session.userId).toString('base64url'), String(expiresAt), this.binding(request)].join('.');
    const value = `${body}.${this.mac(this.signingKey, body)}`;
    return serializeCookie(this.cookie, value, this.cookie.persistent ? expiresAt : undefined);
  }

  /** The claims of the request's fallback cookie when it is valid for `token` at `now`, else undefined. */
  verify(request: RequestLike & { cookies?: Record<string, string | undefined> }, token: string, now: number): FallbackClaims | undefined {
    const value = request.cookies?.[this.cookie.name] ?? readCookie(request.headers.cookie, this.cookie.name);
    if (!value || value.length > MAX_COOKIE_LENGTH) return undefined;
    const parts = value.split('.');
    if (parts.length !== 6 || parts[0] !== VERSION) return undefined;
    const [, sessionId, user, expiry, binding, mac] = parts;
    const body = parts.slice(0, 5).join('.');
    const given = Buffer.from(mac, 'base64url');
    const signed = this.keys.some((key) => {
      const expected = Buffer.from(this.mac(key, body), 'base64url');
      return expected.length === given.length && timingSafeEqual(expected, given);
    });
    if (!signed) return undefined;
    const expiresAt = Number(expiry);
    if (!Number.isSafeInteger(expiresAt) || expiresAt <= now) return undefined;
    if (sessionId !== hashToken(token)) return undefined;
    if (binding !== this.binding(request)) return undefined;
    return { sessionId, userId: Buffer.from(user, 'base64url').toString(), expiresAt };
  }

  /** The `Set-Cookie` value that deletes the fallback cookie. */
  clear(): string {
    return serializeCookie(this.cookie, '', 0);
  }

  private mac(key: Buffer, body: string): string {
    return createHmac('sha256', key).update(body).digest('base64url');
  }

  // What session.binding compares, hashed: a fallback cookie is honoured only from a client
  // that would pass the binding check the session itself would get.
  private binding(request: RequestLike): string {
    const { binding, fingerprintHeaders } = this.settings;
    if (!binding?.ip && !binding?.userAgent && !binding?.fingerprint) return '';
    const ua = request.headers['user-agent'];
    const bound = [
      binding.ip ? (clientIp(request) ?? '') : '',
      binding.userAgent ? ((Array.isArray(ua) ? ua.join(', ') : ua) ?? '').slice(0, 512) : '',
      binding.fingerprint ? fingerprintOf(request, fingerprintHeaders) : '',
    ];
    return createHash('sha256').update(bound.join('\n')).digest('base64url').slice(0, 22);
  }
}

/** `session.degraded` with every default applied. */
export interface ResolvedDegraded {
  signingKey: string;
  verificationKeys: string[];
  ttl: number;
  cookieName: string;
}
