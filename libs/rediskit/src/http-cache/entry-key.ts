import { responseKey } from './http-cache.key.js';
import type { HttpCacheSettings } from './http-cache.settings.js';
import type { HttpExchange } from './http-exchange.js';
import type { CachePlan } from './route-plan.js';

/** The entry a request reads and fills, and the tags it is stored with. */
export interface EntryKey {
  key: string;
  tags: string[] | undefined;
}

/**
 * The key and tags of a request's entry: host, method, URL, `varyBy` headers (or the route's
 * own key) and the owner. One function for the interceptor and the early path, so both always
 * read the same entry. Throws what the route's `key` or `tags` functions throw.
 */
export function entryKeyOf(plan: CachePlan, ex: HttpExchange, req: any, owner: string | number | undefined, s: HttpCacheSettings): EntryKey {
  const byHost = s.keyByHost;
  const key = responseKey({
    method: ex.method,
    url: ex.url,
    adapter: ex.fastify ? 'fastify' : 'express',
    host: byHost ? ex.host() : undefined,
    forwardedHost: byHost ? ex.header('x-forwarded-host') : undefined,
    ignoreQuery: s.ignoreQuery,
    vary: plan.varyBy.length > 0 ? plan.varyBy.map((h) => ex.header(h)) : undefined,
    owner,
    custom: plan.key?.(req),
  });
  return { key, tags: plan.tags(req, ex.params()) };
}
