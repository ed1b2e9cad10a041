import { SetMetadata } from '@nestjs/common';
import { RediskitArgumentError } from '../errors.js';
import { toMs, toPositiveMs } from '../options/duration.js';
import { CACHE_RESPONSE_KEY, INVALIDATE_TAGS_KEY, NO_CACHE_KEY } from './http-cache.constants.js';
import type { CacheResponseOptions } from './http-cache.options.js';

/** A tag to invalidate: a string (with `{param}` placeholders) or a function of the request and the handler's result. */
export type InvalidationTag = string | ((request: any, result: unknown) => string | string[] | undefined);

/**
 * Caches the responses of a GET route (or of every GET route of a controller) through
 * `ResponseCacheInterceptor`. The key is method + host + path + query (sorted by name) + the
 * `varyBy` headers (+ the user id when `private`); a hit answers with the stored bytes without
 * running the handler. Requests carrying credentials bypass the shared entry unless the route
 * says `shared: true` (see docs/http-cache.md, Security).
 *
 * @example
 * @UseInterceptors(ResponseCacheInterceptor)   // or APP_INTERCEPTOR for the whole app
 * @CacheResponse({ ttl: '5m', tags: ['product:{id}'] })
 * @Get('products/:id')
 * find(@Param('id') id: string) { return this.products.find(id); }
 */
export function CacheResponse(options: CacheResponseOptions = {}): ClassDecorator & MethodDecorator {
  checkOptions(options);
  return SetMetadata(CACHE_RESPONSE_KEY, options);
}

/**
 * Turns response caching off for a route, also inside a cached controller or with
 * `cacheByDefault`.
 *
 * @example
 * @NoCache()
 * @Get('cart')
 * cart() { ... }
 */
export function NoCache(): ClassDecorator & MethodDecorator {
  return SetMetadata(NO_CACHE_KEY, true);
}

/**
 * After the handler answers a mutating request (any method but GET and HEAD) with a 2xx
 * status, invalidates these tags (server cache, every instance, and the CDN through
 * `httpCache.onInvalidate`) before the response is sent. On a controller it applies to each
 * of its mutating routes. Needs `ResponseCacheInterceptor` on the route (global, controller or route).
 *
 * @example
 * @InvalidateTags('products', 'product:{id}')
 * @Put('products/:id')
 * update(@Param('id') id: string, @Body() dto: UpdateProduct) { ... }
 */
export function InvalidateTags(...tags: InvalidationTag[]): MethodDecorator & ClassDecorator {
  if (tags.length === 0) throw new RediskitArgumentError('tags', 'must name at least one tag');
  for (const tag of tags) {
    if (typeof tag === 'function') continue;
    if (typeof tag !== 'string' || tag.length === 0) throw new RediskitArgumentError('tags', `must be non-empty strings or functions, got ${JSON.stringify(tag)}`);
  }
  return SetMetadata(INVALIDATE_TAGS_KEY, tags);
}

// Bad decorator arguments fail when the class loads, naming the option.
function checkOptions(o: CacheResponseOptions): void {
  if (o === null || typeof o !== 'object') throw new RediskitArgumentError('options', `must be an object, got ${JSON.stringify(o)}`);
  if (o.ttl !== undefined) toPositiveMs(o.ttl, 'ttl');
  for (const name of ['maxAge', 'sMaxAge', 'staleWhileRevalidate'] as const) if (o[name] !== undefined) toMs(o[name]!, name);
  if (o.tags !== undefined && typeof o.tags !== 'function' && !(Array.isArray(o.tags) && o.tags.every((t) => typeof t === 'string' && t.length > 0))) {
    throw new RediskitArgumentError('tags', `must be non-empty strings or a function, got ${JSON.stringify(o.tags)}`);
  }
  if (o.varyBy !== undefined && !(Array.isArray(o.varyBy) && o.varyBy.every((h) => typeof h === 'string' && /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(h)))) {
    throw new RediskitArgumentError('varyBy', `must list header names, got ${JSON.stringify(o.varyBy)}`);
  }
  for (const name of ['private', 'shared', 'lock'] as const) {
    if (o[name] !== undefined && typeof o[name] !== 'boolean') throw new RediskitArgumentError(name, `must be a boolean, got ${JSON.stringify(o[name])}`);
  }
  // A response per user and one for everyone are opposite promises: the route must pick one.
  if (o.private && o.shared) throw new RediskitArgumentError('shared', 'cannot be combined with private: true');
  for (const name of ['key', 'condition', 'adapt'] as const) {
    if (o[name] !== undefined && typeof o[name] !== 'function') throw new RediskitArgumentError(name, `must be a function, got ${typeof o[name]}`);
  }
}
