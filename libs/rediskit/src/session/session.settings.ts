import { byNodeEnv, type ByNodeEnv } from '../options/by-node-env.js';
import { toPositiveMs } from '../options/duration.js';
import type { ResolvedCookieOptions } from './session.cookie.js';
import type { ResolvedDegraded } from './session.fallback-cookie.js';
import type { SessionCookieOptions, SessionOptions, SessionStoreOptions } from './session.options.js';

const HOUR = 3_600_000;

/** What the `session` options default to (their `@default` tags say the same); `ttl` and `maxPerUser` by NODE_ENV in {@link SESSION_ENV_DEFAULTS}. */
export const SESSION_DEFAULTS = {
  /** `absoluteTimeout`: this, or `ttl` when that is longer. */
  absoluteTimeout: 12 * HOUR,
  /** `touchInterval`: `ttl` divided by this, at most `maxTouchInterval`. */
  touchIntervalDivisor: 10,
  maxTouchInterval: 60_000,
  tokenSources: ['cookie', 'header'],
  fingerprintHeaders: ['user-agent', 'accept-language', 'sec-ch-ua', 'sec-ch-ua-platform'],
  riskThresholds: { stepUp: 0.5, deny: 0.8 },
  cookie: { name: 'sid', httpOnly: true, secure: true, sameSite: 'lax', path: '/', persistent: false },
  /** `degraded.ttl`, and `degraded.cookieName`: the session cookie's name + this suffix. */
  degraded: { ttl: 5 * 60_000, cookieNameSuffix: '_fb' },
} as const;

/** Defaults of `session.ttl` and `session.maxPerUser` by NODE_ENV (also what SESSION_TTL and MAX_SESSIONS_PER_USER default to). */
export const SESSION_ENV_DEFAULTS: ByNodeEnv<{ ttl: string; maxPerUser: number }> = {
  development: { ttl: '24h', maxPerUser: 10 },
  production: { ttl: '30m', maxPerUser: 5 },
  test: { ttl: '5m', maxPerUser: 5 },
};

/** What the express-session store's options (`SessionStoreOptions`) default to. */
export const SESSION_STORE_DEFAULTS = {
  /** One day, as connect-redis. */
  ttl: 86_400_000,
  scanCount: 100,
  disableTouch: false,
  disableTTL: false,
} as const;

/** The express-session store's options with their defaults applied (ttl as given: a number or a function). */
export function resolveSessionStoreSettings(options: SessionStoreOptions) {
  return {
    scanCount: options.scanCount ?? SESSION_STORE_DEFAULTS.scanCount,
    ttl: options.ttl ?? SESSION_STORE_DEFAULTS.ttl,
    disableTouch: options.disableTouch ?? SESSION_STORE_DEFAULTS.disableTouch,
    disableTTL: options.disableTTL ?? SESSION_STORE_DEFAULTS.disableTTL,
  };
}

/** Bounds of `session.degraded`. */
export const DEGRADED_BOUNDS = { minKeyLength: 32, maxTtl: 15 * 60_000 } as const;

/** Session options with every default applied and every duration in ms. */
export interface SessionSettings extends Omit<SessionOptions, 'ttl' | 'absoluteTimeout' | 'touchInterval' | 'cookie' | 'degraded'> {
  /** Degraded sign-in, when enabled. */
  degraded?: ResolvedDegraded;
  ttl: number;
  absoluteTimeout: number;
  touchInterval: number;
  maxPerUser: number;
  cookie: ResolvedCookieOptions;
  tokenSources: ('cookie' | 'header')[];
  fingerprintHeaders: string[];
  riskThresholds: { stepUp: number; deny: number };
}

/** Applies the defaults (see {@link SessionOptions}) for `nodeEnv`. */
export function resolveSessionSettings(options: SessionOptions = {}, nodeEnv = process.env.NODE_ENV): SessionSettings {
  const env = byNodeEnv(SESSION_ENV_DEFAULTS, nodeEnv);
  const ttl = toPositiveMs(options.ttl ?? env.ttl, 'session.ttl');
  const absoluteTimeout =
    options.absoluteTimeout === undefined ? Math.max(SESSION_DEFAULTS.absoluteTimeout, ttl) : toPositiveMs(options.absoluteTimeout, 'session.absoluteTimeout');
  const touchInterval =
    options.touchInterval === undefined
      ? Math.min(Math.floor(ttl / SESSION_DEFAULTS.touchIntervalDivisor), SESSION_DEFAULTS.maxTouchInterval)
      : Math.min(toPositiveMs(options.touchInterval, 'session.touchInterval'), ttl);
  const { riskThresholds } = SESSION_DEFAULTS;
  return {
    ...options,
    ttl,
    absoluteTimeout,
    touchInterval,
    maxPerUser: options.maxPerUser ?? env.maxPerUser,
    cookie: resolveCookieOptions(options.cookie),
    tokenSources: options.tokenSources ?? [...SESSION_DEFAULTS.tokenSources],
    fingerprintHeaders: (options.fingerprintHeaders ?? SESSION_DEFAULTS.fingerprintHeaders).map((h) => h.toLowerCase()),
    riskThresholds: { stepUp: options.riskThresholds?.stepUp ?? riskThresholds.stepUp, deny: options.riskThresholds?.deny ?? riskThresholds.deny },
    degraded: resolveDegraded(options),
  };
}

/** `session.cookie` with the defaults applied. */
export function resolveCookieOptions(options: SessionCookieOptions = {}): ResolvedCookieOptions {
  const defaults = SESSION_DEFAULTS.cookie;
  return {
    name: options.name ?? defaults.name,
    httpOnly: options.httpOnly ?? defaults.httpOnly,
    secure: options.secure ?? defaults.secure,
    sameSite: options.sameSite ?? defaults.sameSite,
    path: options.path ?? defaults.path,
    domain: options.domain,
    persistent: options.persistent ?? defaults.persistent,
  };
}

function resolveDegraded({ degraded, cookie }: SessionOptions): ResolvedDegraded | undefined {
  if (!degraded?.enabled || !degraded.signingKey) return undefined;
  const defaults = SESSION_DEFAULTS.degraded;
  const resolved = {
    ttl: toPositiveMs(degraded.ttl ?? defaults.ttl, 'session.degraded.ttl', DEGRADED_BOUNDS.maxTtl),
    cookieName: degraded.cookieName ?? `${cookie?.name ?? SESSION_DEFAULTS.cookie.name}${defaults.cookieNameSuffix}`,
  } as ResolvedDegraded;
  // The keys are secrets: not enumerable, so logging or serializing the settings shows none.
  Object.defineProperty(resolved, 'signingKey', { value: degraded.signingKey, enumerable: false });
  Object.defineProperty(resolved, 'verificationKeys', { value: degraded.verificationKeys ?? [], enumerable: false });
  return resolved;
}
