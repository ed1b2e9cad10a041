import type { CachedResponseWriter } from './cached-response.writer.js';
import { entryKeyOf } from './entry-key.js';
import { NOT_EARLY } from './early-hit.routes.js';
import { clientNoCache } from './http-cache.headers.js';
import type { HttpCacheService } from './http-cache.service.js';
import { exchangeOf } from './http-exchange.js';
import { BYPASS, PERSONAL, sharingOf, type Requester } from './response-sharing.js';
import { routeTemplateOf, type CachePlan } from './route-plan.js';
import type { StoredResponse } from './stored-response.js';
import type { StoredResponseChecker } from './stored-response.checker.js';

/**
 * Answers a request of an eligible route from a fresh memory hit, before Nest's pipeline, with
 * the interceptor's own parts and rules: the same sharing decision (its `identify` and
 * `carriesCredentials`), the same key, the same writer (status, `X-Cache`, `Age`, `ETag` / 304,
 * `Cache-Control`, `Vary`, tag headers). Anything else is NOT_EARLY, and the normal path runs:
 * a miss, a stale entry, an entry only Redis holds, one that fails the check, a bypassed or
 * credentialed request, `Cache-Control: no-cache` with `honorClientNoCache`, any error.
 * Memory is read through `CacheNamespace.peek`, so tag invalidations, the bus and key
 * tracking drop an entry for this path as they do for the normal one; Redis is never asked.
 */
export class EarlyHitResponder {
  constructor(
    private readonly httpCache: HttpCacheService,
    private readonly requester: Requester,
    private readonly checker: StoredResponseChecker,
    private readonly writer: CachedResponseWriter,
  ) {}

  answer(plan: CachePlan, req: any, res: any): unknown {
    try {
      const method = req.method;
      if (method !== 'GET' && method !== 'HEAD') return NOT_EARLY;
      const ex = exchangeOf(req, res);
      const s = this.httpCache.settings;
      const owner = sharingOf(plan, ex, req, this.requester);
      if (owner === BYPASS || owner === PERSONAL) return NOT_EARLY;
      // Tags too: a route whose tags function throws for this request is not cached on the normal path.
      const { key } = entryKeyOf(plan, ex, req, owner, s);
      if (s.honorClientNoCache && clientNoCache(ex.header('cache-control'), ex.header('pragma'))) return NOT_EARLY;
      const entry = this.httpCache.store.peek<StoredResponse>(key);
      // A rejected entry is left to the normal path, which counts, logs and replaces it.
      if (entry === undefined || !this.checker.passes(entry)) return NOT_EARLY;
      // Express sends a binary body as a stream (Nest's stream path, not `reply()`): left to the normal path.
      if (entry.bin && !ex.fastify) return NOT_EARLY;
      const route = routeTemplateOf(plan, ex);
      const body = this.writer.answer(ex, plan, entry, 'hit', Date.now());
      this.httpCache.metrics.request(route, 'hit');
      return body;
    } catch {
      return NOT_EARLY;
    }
  }
}
