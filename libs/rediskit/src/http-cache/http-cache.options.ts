import type { Duration } from '../options/duration.js';

/**
 * Reads a request and returns the id that keys a `private` response (a user or session id), or
 * `undefined` for an anonymous request, whose private routes are then not cached.
 *
 * @example
 * const identify: IdentifyFn = (req) => req.auth?.accountId;
 */
export type IdentifyFn = (request: any) => string | number | undefined | null;

/**
 * Tags of a route: fixed strings (with `{param}` placeholders) or a function of the request.
 *
 * @example
 * const tags: ResponseTags = (req) => [`shop:${req.params.shop}`, `product:${req.params.id}`];
 */
export type ResponseTags = string[] | ((request: any) => string[]);

/**
 * What a route's `adapt` function decides from the handler's result: `ttl` replaces the
 * route's for this response (server cache, `s-maxage` unless the route sets `sMaxAge`),
 * `tags` are added to the route's (and to `Surrogate-Key` / `Cache-Tag`), `skip: true` sends
 * the response without storing it.
 *
 * @example
 * const adapt = (body: Product): ResponseAdaptation => (body.draft ? { skip: true } : { tags: [`category:${body.categoryId}`] });
 */
export interface ResponseAdaptation {
  ttl?: Duration;
  tags?: string[];
  skip?: boolean;
}

/**
 * Options of `@CacheResponse()`; each falls back to the module's `httpCache` section.
 *
 * @example
 * @CacheResponse({ ttl: '5m', tags: ['products', 'product:{id}'], varyBy: ['accept-language'], staleWhileRevalidate: '1m' })
 * @Get('products/:id')
 * find(@Param('id') id: string) { ... }
 */
export interface CacheResponseOptions {
  /** How long the server cache serves the response as fresh. @default `httpCache.defaultTtl`, `'1m'` */
  ttl?: Duration;
  /** Tags for `@InvalidateTags` / `HttpCacheService.invalidateTags`, sent as `Surrogate-Key` and `Cache-Tag`. `{id}` is replaced by the route parameter `id`. @default none */
  tags?: ResponseTags;
  /** Request headers that are part of the key (and listed in `Vary`), e.g. `['accept-language']`. @default `httpCache.varyBy` */
  varyBy?: string[];
  /** Replaces method + path + query + varyBy in the key; a `private` route still adds the user id. @default method + path + query + varyBy */
  key?: (request: any) => string;
  /** Cache only when this returns true (checked before the cache is read). @default always */
  condition?: (request: any) => boolean;
  /** One entry per user (see `httpCache.identify`); sent with `Cache-Control: private`. @default false */
  private?: boolean;
  /**
   * The response does not depend on who asks: requests carrying credentials (an `Authorization`
   * header, the session token, a `credentialCookies` cookie) read and fill the one shared entry,
   * which is sent with `public` / `s-maxage`. Without it, such requests bypass the cache and
   * their responses carry `Cache-Control: private, no-store`. Cannot be combined with `private`.
   * @default false
   */
  shared?: boolean;
  /** `max-age` for browsers. @default `httpCache.maxAge`, 0: browsers revalidate with the ETag */
  maxAge?: Duration;
  /** `s-maxage` for CDNs and shared caches. Ignored for private responses. @default the ttl */
  sMaxAge?: Duration;
  /** Serve a stale response this long after the ttl while one refresh runs; also sent as `stale-while-revalidate`. @default `httpCache.staleWhileRevalidate` */
  staleWhileRevalidate?: Duration;
  /** Across instances, only one handler runs for a key (a short Redis lock). @default `httpCache.lock` */
  lock?: boolean;
  /**
   * Adaptive caching: decides from the handler's result (the value it returned, before
   * serialization) and the request how the response is cached: `{ ttl, tags, skip }`. A
   * `ttl` that is not a positive duration or tags that are not strings leave the response
   * uncached (it is still sent) and are logged.
   *
   * @example
   * @CacheResponse({ adapt: (page: Page) => ({ ttl: page.live ? '5s' : '1h', tags: page.items.map((i) => `item:${i.id}`) }) })
   * @default none: the options as given
   */
  adapt?: (body: any, request: any) => ResponseAdaptation | undefined | null | void;
}

/**
 * The `httpCache` section of the module options: defaults for every cached route, the identity
 * of private responses and the CDN purge hook. Everything is optional.
 *
 * @example
 * RedisModule.forRoot({ connection, httpCache: {
 *   defaultTtl: '30s', identify: (req) => req.user?.id,
 *   onInvalidate: (tags) => fetch(`https://api.fastly.com/service/${id}/purge`, { method: 'POST', headers: { 'Surrogate-Key': tags.join(' '), 'Fastly-Key': key } }),
 * } })
 */
export interface HttpCacheOptions {
  /** Server-side freshness of a route that gives no `ttl`. @default `'1m'` */
  defaultTtl?: Duration;
  /** Default `max-age`. @default 0 */
  maxAge?: Duration;
  /** Default `stale-while-revalidate`. @default 0: off */
  staleWhileRevalidate?: Duration;
  /** Request headers every cached route varies by. @default none */
  varyBy?: string[];
  /** Query parameters left out of keys, e.g. `['utm_source', 'utm_medium']`. @default none */
  ignoreQuery?: string[];
  /** A client's `Cache-Control: no-cache` skips the cache read. @default false: any client could force load on the origin */
  honorClientNoCache?: boolean;
  /** A global `ResponseCacheInterceptor` caches every GET route, not only `@CacheResponse` ones. @default false */
  cacheByDefault?: boolean;
  /** Response headers stored with the body (lower case). @default content-language, content-disposition, link, last-modified, x-robots-tag */
  storeHeaders?: string[];
  /** Status codes that are stored. @default every 2xx */
  statuses?: number[];
  /** Largest body stored, in bytes; larger responses pass through. @default 1 MiB */
  maxBodySize?: number;
  /** The id of a `private` response's owner. @default `request.user.id`, then the rediskit session's `userId` */
  identify?: IdentifyFn;
  /** Called with the tags after every invalidation, e.g. to purge a CDN by surrogate key. Awaited; its errors are logged. @default none */
  onInvalidate?: (tags: string[]) => void | Promise<void>;
  /** `Surrogate-Key` and `Cache-Tag` headers listing the tags. @default true */
  tagHeaders?: boolean;
  /** Default of the cross-instance single-flight lock. @default false: single flight per instance */
  lock?: boolean;
  /** CacheService namespace holding the responses. @default `'http'` */
  namespace?: string;
  /**
   * More cookies that carry credentials, e.g. `['remember_me', 'my-app.sid']`: a request sending
   * one bypasses shared entries. The rediskit session cookie and `connect.sid` (express-session's
   * default name) always count; list express-session's cookie here if you renamed it.
   * @default none besides those two
   */
  credentialCookies?: string[];
  /** Request headers that carry credentials besides `Authorization`, e.g. `['x-api-key']`. @default none */
  credentialHeaders?: string[];
  /**
   * The request's host is part of every key, so two virtual hosts never share an entry. The
   * host is the one the framework reports: the `Host` header, or `X-Forwarded-Host` when the
   * app's trust-proxy setting trusts the sender. Turn off only for a single-host app.
   * @default true
   */
  keyByHost?: boolean;
  /**
   * Answers fresh memory hits of `@CacheResponse` routes before Nest's guards, interceptors and
   * pipes run: after every middleware and adapter hook, where Nest's route handler starts. Only
   * routes where nothing else would run on a hit are answered early: no guard (route,
   * controller or global), no interceptor before `ResponseCacheInterceptor`, no `@Header()`,
   * no host or header versioning, no request-scoped controller (docs/http-cache.md, Early hits).
   * Everything else, and every miss, takes the normal path. Off by default: instrumentation
   * that hooks into Nest's router (APM agents) does not see an early hit.
   * @default false
   */
  earlyHits?: boolean;
}

declare module '../options/redis-module-options.js' {
  interface RedisModuleOptions {
    /** HTTP response caching (`ResponseCacheInterceptor`, `@CacheResponse`). */
    httpCache?: HttpCacheOptions;
  }
}
