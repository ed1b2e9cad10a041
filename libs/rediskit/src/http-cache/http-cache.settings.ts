import { sessionOf } from '../session/index.js';
import { toMs, toPositiveMs } from '../options/duration.js';
import type { HttpCacheOptions, IdentifyFn } from './http-cache.options.js';

/** The module's `httpCache` options with every default applied, durations in ms. */
export interface HttpCacheSettings {
  ttl: number;
  maxAge: number;
  staleWhileRevalidate: number;
  varyBy: string[];
  ignoreQuery: Set<string>;
  honorClientNoCache: boolean;
  cacheByDefault: boolean;
  storeHeaders: string[];
  statuses: Set<number> | undefined;
  maxBodySize: number;
  identify: IdentifyFn;
  onInvalidate: ((tags: string[]) => void | Promise<void>) | undefined;
  tagHeaders: boolean;
  lock: boolean;
  namespace: string;
  /** Cookie names that make a request credentialed: `connect.sid` and `credentialCookies` (the service adds the session cookie). */
  credentialCookies: string[];
  /** Header names (lower case) that make a request credentialed, besides `authorization`. */
  credentialHeaders: string[];
  keyByHost: boolean;
  earlyHits: boolean;
}

/** What the `httpCache` options default to (their `@default` tags say the same). */
export const HTTP_CACHE_DEFAULTS = {
  defaultTtl: 60_000,
  maxAge: 0,
  staleWhileRevalidate: 0,
  honorClientNoCache: false,
  cacheByDefault: false,
  /**
   * Response headers kept with a stored body unless `storeHeaders` says otherwise.
   *
   * @example
   * httpCache: { storeHeaders: [...HTTP_CACHE_DEFAULTS.storeHeaders, 'x-total-count'] }
   */
  storeHeaders: ['content-language', 'content-disposition', 'link', 'last-modified', 'x-robots-tag'],
  maxBodySize: 1024 * 1024,
  tagHeaders: true,
  lock: false,
  namespace: 'http',
  /**
   * Cookies always treated as credentials, besides `credentialCookies` and the rediskit session
   * cookie: express-session's default cookie (the one `RediskitSessionStore` serves).
   */
  credentialCookies: ['connect.sid'],
  keyByHost: true,
  earlyHits: false,
} as const;

/**
 * The default owner of a private response: a Passport-style `request.user` (`id`, else `sub`),
 * then the session `SessionGuard` attached.
 *
 * @example
 * httpCache: { identify: (req) => req.headers['x-tenant'] ?? defaultIdentify(req) }
 */
export const defaultIdentify: IdentifyFn = (request: any) => {
  const user = request?.user;
  const id = user?.id ?? user?.sub ?? sessionOf(request)?.userId;
  return typeof id === 'string' || typeof id === 'number' ? id : undefined;
};

/** Applies the defaults of {@link HttpCacheOptions}. */
export function resolveHttpCacheSettings(o: HttpCacheOptions = {}): HttpCacheSettings {
  const defaults = HTTP_CACHE_DEFAULTS;
  return {
    ttl: toPositiveMs(o.defaultTtl ?? defaults.defaultTtl, 'httpCache.defaultTtl'),
    maxAge: toMs(o.maxAge ?? defaults.maxAge, 'httpCache.maxAge'),
    staleWhileRevalidate: toMs(o.staleWhileRevalidate ?? defaults.staleWhileRevalidate, 'httpCache.staleWhileRevalidate'),
    varyBy: lower(o.varyBy ?? []),
    ignoreQuery: new Set(o.ignoreQuery ?? []),
    honorClientNoCache: o.honorClientNoCache ?? defaults.honorClientNoCache,
    cacheByDefault: o.cacheByDefault ?? defaults.cacheByDefault,
    storeHeaders: lower(o.storeHeaders ?? defaults.storeHeaders),
    statuses: o.statuses ? new Set(o.statuses) : undefined,
    maxBodySize: o.maxBodySize ?? defaults.maxBodySize,
    identify: o.identify ?? defaultIdentify,
    onInvalidate: o.onInvalidate,
    tagHeaders: o.tagHeaders ?? defaults.tagHeaders,
    lock: o.lock ?? defaults.lock,
    namespace: o.namespace ?? defaults.namespace,
    credentialCookies: [...new Set([...defaults.credentialCookies, ...(o.credentialCookies ?? [])])],
    credentialHeaders: lower(o.credentialHeaders ?? []).filter((h) => h !== 'authorization'),
    keyByHost: o.keyByHost ?? defaults.keyByHost,
    earlyHits: o.earlyHits ?? defaults.earlyHits,
  };
}

export function lower(names: readonly string[]): string[] {
  return [...new Set(names.map((n) => n.toLowerCase()))];
}
