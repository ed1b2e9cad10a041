import type { Duration } from '../options/duration.js';
import type { Session, SessionEvent } from './session.types.js';

/**
 * The session cookie's name and attributes.
 *
 * @example
 * session: { cookie: { name: '__Host-sid', sameSite: 'strict', persistent: false } }
 */
export interface SessionCookieOptions {
  /** Cookie name. @default `sid`; `__Host-sid` is the strictest choice when served over HTTPS at `/` */
  name?: string;
  /** Hide the cookie from scripts. @default true */
  httpOnly?: boolean;
  /** Send only over HTTPS. @default true */
  secure?: boolean;
  /** `strict`, `lax` or `none` (needs `secure`). @default `lax` */
  sameSite?: 'strict' | 'lax' | 'none';
  /** Cookie path. @default `/` */
  path?: string;
  /** Leave unset to bind the cookie to this exact host. @default none */
  domain?: string;
  /**
   * `false`: a browser-session cookie, gone when the browser closes (OWASP's advice).
   * `true`: the cookie carries `Expires` = the session's absolute deadline.
   * @default false
   */
  persistent?: boolean;
}

/**
 * Ties a session to properties of the client that created it; a mismatch is rejected with 401.
 *
 * @example
 * session: { binding: { userAgent: true, fingerprint: true } }
 */
export interface SessionBindingOptions {
  /** The request IP must equal the IP at creation (breaks on mobile networks). @default false */
  ip?: boolean;
  /** The User-Agent header must equal the one at creation. @default false */
  userAgent?: boolean;
  /** The device fingerprint (hash of `fingerprintHeaders`) must equal the one at creation. @default false */
  fingerprint?: boolean;
}

/**
 * Scores a request for a session: 0 (nothing unusual) to 1 (certainly hijacked).
 *
 * @example
 * riskAssessor: (session, req) => (geoip(req.ip) !== geoip(session.ip) ? 0.6 : 0)
 */
export type RiskAssessor = (session: Session, request: unknown) => number | Promise<number>;

/**
 * Options of {@link RediskitSessionStore} (the express-session store).
 *
 * @example
 * session: { store: { prefix: 'sess:', ttl: '1d', disableTouch: false } }
 */
export interface SessionStoreOptions {
  /**
   * Raw key prefix, as connect-redis' `prefix` (`'sess:'` reads keys connect-redis wrote).
   * @default the keyspace, `prefix:app:env:sess:<sid>`
   */
  prefix?: string;
  /** Lifetime when the session cookie has no `expires`: ms, `'1d'`, or a function of the session. @default 1 day */
  ttl?: Duration | ((session: unknown) => Duration);
  /** `touch` does nothing (as connect-redis' `disableTouch`). @default false */
  disableTouch?: boolean;
  /** Keys never expire (as connect-redis' `disableTTL`). @default false */
  disableTTL?: boolean;
  /** SCAN COUNT for `all`, `ids`, `length`, `clear`. @default 100 */
  scanCount?: number;
  /** `{ parse, stringify }`. @default JSON, as connect-redis */
  serializer?: { parse(text: string): unknown; stringify(value: unknown): string };
}

/**
 * Degraded sign-in: while Redis is unreachable, `SessionGuard` admits a request carrying a valid
 * signed fallback cookie as a read-only session (`degraded: true`) instead of answering 503.
 * Off by default. A fallback cookie cannot be revoked: logout and logout-all end the session,
 * not a fallback cookie already issued, which stays usable during an outage until it expires
 * (`ttl`, a few minutes). See docs/sessions.md.
 *
 * @example
 * session: { degraded: { enabled: true, signingKey: process.env.FALLBACK_KEY, verificationKeys: [process.env.FALLBACK_KEY_OLD], ttl: '5m' } }
 */
export interface DegradedSignInOptions {
  /** Issue and accept fallback cookies. @default false */
  enabled?: boolean;
  /** The key fallback cookies are signed with (HMAC-SHA256), at least 32 characters; required when enabled. @default none */
  signingKey?: string;
  /**
   * Earlier signing keys, still accepted (rotation: sign with the new key, keep the old one here
   * for `ttl`, then drop it). At least 32 characters each.
   * @default `[]`
   */
  verificationKeys?: string[];
  /** How long a fallback cookie is valid after it is issued (also bounded by the session's own expiry); at most 15 minutes. @default `'5m'` */
  ttl?: Duration;
  /** The fallback cookie's name (its other attributes are the session cookie's). @default the session cookie's name + `_fb` */
  cookieName?: string;
}

/**
 * The `session` section of the module options. `ttl` and `maxPerUser` are what
 * `redisOptionsFromEnv` reads from `SESSION_TTL` and `MAX_SESSIONS_PER_USER`.
 *
 * @example
 * RedisModule.forRoot({ connection, session: { ttl: '30m', absoluteTimeout: '12h', maxPerUser: 5,
 *   cookie: { name: '__Host-sid', sameSite: 'strict' }, binding: { userAgent: true } } })
 */
export interface SessionOptions {
  /** Idle timeout: a session unused this long expires (rolling). @default `'24h'` in development, `'30m'` in production, `'5m'` in tests */
  ttl?: Duration;
  /** Absolute timeout: no session lives longer than this after login, however active. @default 12h, at least `ttl` */
  absoluteTimeout?: Duration;
  /** At most one idle-timeout write per session per interval. @default ttl / 10, at most 1 minute */
  touchInterval?: Duration;
  /** Sessions per user; creating one more evicts the oldest. @default 10 in development, 5 in production and tests */
  maxPerUser?: number;
  /** The named connection to use. @default the default connection */
  connection?: string;
  /**
   * Time budget of each Redis call of this capability: it settles within it whatever the
   * connection is doing. See docs/failure-modes.md.
   * @default the connection's `commandTimeout`
   */
  commandTimeout?: Duration;
  /** The session cookie. */
  cookie?: SessionCookieOptions;
  /** Where the guard looks for the token, in order. @default `['cookie', 'header']`; header = `Authorization: Bearer` */
  tokenSources?: ('cookie' | 'header')[];
  /** Optional binding to IP, user agent or device fingerprint. */
  binding?: SessionBindingOptions;
  /** Headers hashed into the device fingerprint. @default user-agent, accept-language, sec-ch-ua, sec-ch-ua-platform */
  fingerprintHeaders?: string[];
  /** Scores each guarded request; see `riskThresholds`. @default none: every score is 0 */
  riskAssessor?: RiskAssessor;
  /** What a risk score leads to. */
  riskThresholds?: {
    /** A score at or above it needs a step-up verification (403). @default 0.5 */
    stepUp?: number;
    /** A score at or above it is rejected (401). @default 0.8 */
    deny?: number;
  };
  /** Factors that satisfy a step-up. @default any factor marked with `markVerified` */
  stepUpFactors?: string[];
  /** A class-validator class: session data is validated against it on create and update. */
  dataClass?: new () => object;
  /** Called for every audit event (created, rotated, destroyed, evicted, rejected). @default none */
  onEvent?: (event: SessionEvent) => void | Promise<void>;
  /** Options of the express-session store. */
  store?: SessionStoreOptions;
  /** Degraded sign-in while Redis is unreachable (off by default). */
  degraded?: DegradedSignInOptions;
}

declare module '../options/redis-module-options.js' {
  interface RedisModuleOptions {
    /** Sessions (`SessionService`, `SessionGuard`). */
    session?: SessionOptions;
  }
}
