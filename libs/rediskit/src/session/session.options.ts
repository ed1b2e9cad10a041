import type { Duration } from '../options/duration.js';
import type { Session, SessionEvent } from './session.types.js';

/**
 * The session cookie's name and attributes.
 *
 * @example
 * session: { cookie: { name: '__Host-sid', sameSite: 'strict', persistent: false } }
 */
export interface SessionCookieOptions {
  /** Cookie name (default `sid`; `__Host-sid` is the strictest choice when served over HTTPS at `/`). */
  name?: string;
  /** Hide the cookie from scripts (default true). */
  httpOnly?: boolean;
  /** Send only over HTTPS (default true). */
  secure?: boolean;
  /** `strict`, `lax` (default) or `none` (needs `secure`). */
  sameSite?: 'strict' | 'lax' | 'none';
  /** Default `/`. */
  path?: string;
  /** Leave unset to bind the cookie to this exact host. */
  domain?: string;
  /**
   * `false` (default): a browser-session cookie, gone when the browser closes (OWASP's advice).
   * `true`: the cookie carries `Expires` = the session's absolute deadline.
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
  /** The request IP must equal the IP at creation (breaks on mobile networks; off by default). */
  ip?: boolean;
  /** The User-Agent header must equal the one at creation. */
  userAgent?: boolean;
  /** The device fingerprint (hash of `fingerprintHeaders`) must equal the one at creation. */
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
   * Default: the keyspace, `prefix:app:env:sess:<sid>`.
   */
  prefix?: string;
  /** Lifetime when the session cookie has no `expires`: ms, `'1d'`, or a function of the session (default 1 day). */
  ttl?: Duration | ((session: unknown) => Duration);
  /** `touch` does nothing (as connect-redis' `disableTouch`). */
  disableTouch?: boolean;
  /** Keys never expire (as connect-redis' `disableTTL`). */
  disableTTL?: boolean;
  /** SCAN COUNT for `all`, `ids`, `length`, `clear` (default 100). */
  scanCount?: number;
  /** `{ parse, stringify }` (default JSON, as connect-redis). */
  serializer?: { parse(text: string): unknown; stringify(value: unknown): string };
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
  /** Idle timeout: a session unused this long expires (rolling). Default: SESSION_TTL's default for NODE_ENV. */
  ttl?: Duration;
  /** Absolute timeout: no session lives longer than this after login, however active (default 12h, at least `ttl`). */
  absoluteTimeout?: Duration;
  /** At most one idle-timeout write per session per interval (default: ttl / 10, at most 1 minute). */
  touchInterval?: Duration;
  /** Sessions per user; creating one more evicts the oldest (default: MAX_SESSIONS_PER_USER's default). */
  maxPerUser?: number;
  /** The named connection to use (default: the default connection). */
  connection?: string;
  /**
   * Time budget of each Redis call of this capability: it settles within it whatever the
   * connection is doing (default: the connection's `commandTimeout`). See docs/failure-modes.md.
   */
  commandTimeout?: Duration;
  /** The session cookie. */
  cookie?: SessionCookieOptions;
  /** Where the guard looks for the token, in order (default `['cookie', 'header']`; header = `Authorization: Bearer`). */
  tokenSources?: ('cookie' | 'header')[];
  /** Optional binding to IP, user agent or device fingerprint. */
  binding?: SessionBindingOptions;
  /** Headers hashed into the device fingerprint (default user-agent, accept-language, sec-ch-ua, sec-ch-ua-platform). */
  fingerprintHeaders?: string[];
  /** Scores each guarded request; see `riskThresholds`. */
  riskAssessor?: RiskAssessor;
  /** Score at or above `stepUp` needs a step-up verification (403); at or above `deny` is rejected (401). Defaults 0.5 and 0.8. */
  riskThresholds?: { stepUp?: number; deny?: number };
  /** Factors that satisfy a step-up (default: any factor marked with `markVerified`). */
  stepUpFactors?: string[];
  /** A class-validator class: session data is validated against it on create and update. */
  dataClass?: new () => object;
  /** Called for every audit event (created, rotated, destroyed, evicted, rejected). */
  onEvent?: (event: SessionEvent) => void | Promise<void>;
  /** Options of the express-session store. */
  store?: SessionStoreOptions;
}

declare module '../options/redis-module-options.js' {
  interface RedisModuleOptions {
    /** Sessions (`SessionService`, `SessionGuard`). */
    session?: SessionOptions;
  }
}
