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
}

/**
 * Response headers kept with a stored body unless `storeHeaders` says otherwise.
 *
 * @example
 * httpCache: { storeHeaders: [...DEFAULT_STORE_HEADERS, 'x-total-count'] }
 */
export const DEFAULT_STORE_HEADERS = ['content-language', 'content-disposition', 'link', 'last-modified', 'x-robots-tag'];

/**
 * Cookies always treated as credentials, besides `credentialCookies` and the rediskit session
 * cookie: express-session's default cookie (the one `RediskitSessionStore` serves).
 *
 * @example
 * httpCache: { credentialCookies: ['remember_me'] }   // checked: connect.sid, remember_me, the session cookie
 */
export const DEFAULT_CREDENTIAL_COOKIES: readonly string[] = ['connect.sid'];

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

export function resolveHttpCacheSettings(o: HttpCacheOptions = {}): HttpCacheSettings {
  return {
    ttl: toPositiveMs(o.defaultTtl ?? 60_000, 'httpCache.defaultTtl'),
    maxAge: toMs(o.maxAge ?? 0, 'httpCache.maxAge'),
    staleWhileRevalidate: toMs(o.staleWhileRevalidate ?? 0, 'httpCache.staleWhileRevalidate'),
    varyBy: lower(o.varyBy ?? []),
    ignoreQuery: new Set(o.ignoreQuery ?? []),
    honorClientNoCache: o.honorClientNoCache ?? false,
    cacheByDefault: o.cacheByDefault ?? false,
    storeHeaders: lower(o.storeHeaders ?? DEFAULT_STORE_HEADERS),
    statuses: o.statuses ? new Set(o.statuses) : undefined,
    maxBodySize: o.maxBodySize ?? 1024 * 1024,
    identify: o.identify ?? defaultIdentify,
    onInvalidate: o.onInvalidate,
    tagHeaders: o.tagHeaders ?? true,
    lock: o.lock ?? false,
    namespace: o.namespace ?? 'http',
    credentialCookies: [...new Set([...DEFAULT_CREDENTIAL_COOKIES, ...(o.credentialCookies ?? [])])],
    credentialHeaders: lower(o.credentialHeaders ?? []).filter((h) => h !== 'authorization'),
    keyByHost: o.keyByHost ?? true,
  };
}

export function lower(names: string[]): string[] {
  return [...new Set(names.map((n) => n.toLowerCase()))];
}
