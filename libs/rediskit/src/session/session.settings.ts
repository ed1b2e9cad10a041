import { byNodeEnv, type ByNodeEnv } from '../options/by-node-env.js';
import { toPositiveMs } from '../options/duration.js';
import { resolveCookieOptions, type ResolvedCookieOptions } from './session.cookie.js';
import type { ResolvedDegraded } from './session.fallback-cookie.js';
import type { SessionOptions } from './session.options.js';
import { DEFAULT_FINGERPRINT_HEADERS } from './session.request.js';

const HOUR = 3_600_000;

/** Defaults of `session.ttl` and `session.maxPerUser` by NODE_ENV (also what SESSION_TTL and MAX_SESSIONS_PER_USER default to). */
export const SESSION_DEFAULTS: ByNodeEnv<{ ttl: string; maxPerUser: number }> = {
  development: { ttl: '24h', maxPerUser: 10 },
  production: { ttl: '30m', maxPerUser: 5 },
  test: { ttl: '5m', maxPerUser: 5 },
};

/** Bounds of `session.degraded`. */
export const DEGRADED_BOUNDS = { minKeyLength: 32, maxTtl: 15 * 60_000, defaultTtl: 5 * 60_000 } as const;

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
export function resolveSessionOptions(options: SessionOptions = {}, nodeEnv = process.env.NODE_ENV): SessionSettings {
  const env = byNodeEnv(SESSION_DEFAULTS, nodeEnv);
  const ttl = toPositiveMs(options.ttl ?? env.ttl, 'session.ttl');
  const absoluteTimeout = options.absoluteTimeout === undefined ? Math.max(12 * HOUR, ttl) : toPositiveMs(options.absoluteTimeout, 'session.absoluteTimeout');
  const touchInterval =
    options.touchInterval === undefined ? Math.min(Math.floor(ttl / 10), 60_000) : Math.min(toPositiveMs(options.touchInterval, 'session.touchInterval'), ttl);
  return {
    ...options,
    ttl,
    absoluteTimeout,
    touchInterval,
    maxPerUser: options.maxPerUser ?? env.maxPerUser,
    cookie: resolveCookieOptions(options.cookie),
    tokenSources: options.tokenSources ?? ['cookie', 'header'],
    fingerprintHeaders: (options.fingerprintHeaders ?? DEFAULT_FINGERPRINT_HEADERS).map((h) => h.toLowerCase()),
    riskThresholds: { stepUp: options.riskThresholds?.stepUp ?? 0.5, deny: options.riskThresholds?.deny ?? 0.8 },
    degraded: resolveDegraded(options),
  };
}

function resolveDegraded({ degraded, cookie }: SessionOptions): ResolvedDegraded | undefined {
  if (!degraded?.enabled || !degraded.signingKey) return undefined;
  const resolved = {
    ttl: toPositiveMs(degraded.ttl ?? DEGRADED_BOUNDS.defaultTtl, 'session.degraded.ttl', DEGRADED_BOUNDS.maxTtl),
    cookieName: degraded.cookieName ?? `${cookie?.name ?? 'sid'}_fb`,
  } as ResolvedDegraded;
  // The keys are secrets: not enumerable, so logging or serializing the settings shows none.
  Object.defineProperty(resolved, 'signingKey', { value: degraded.signingKey, enumerable: false });
  Object.defineProperty(resolved, 'verificationKeys', { value: degraded.verificationKeys ?? [], enumerable: false });
  return resolved;
}
