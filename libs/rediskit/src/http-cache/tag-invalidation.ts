import type { CallHandler, Logger } from '@nestjs/common';
import { concatMap, type Observable } from 'rxjs';
import type { InvalidationTag } from './http-cache.decorators.js';
import { fillTags } from './http-cache.headers.js';
import type { HttpCacheService } from './http-cache.service.js';
import type { HttpExchange } from './http-exchange.js';

/**
 * Runs the handler of an `@InvalidateTags` route, then invalidates its tags (filled from the
 * route parameters, or given by functions of the request and the result) after a 2xx answer.
 * A failed invalidation does not fail the response: the change is made, and failing its
 * response would invite a retry. It is counted (by `invalidateTags`) and logged instead.
 */
export function invalidatingTags(httpCache: HttpCacheService, logger: Logger, tags: InvalidationTag[], req: any, ex: HttpExchange, next: CallHandler): Observable<unknown> {
  return next.handle().pipe(
    concatMap(async (value) => {
      const status = ex.status();
      if (status < 200 || status > 299) return value;
      const list: string[] = [];
      try {
        for (const tag of tags) {
          if (typeof tag === 'string') list.push(...fillTags([tag], ex.params()));
          else {
            const out = tag(req, value);
            if (typeof out === 'string') list.push(out);
            else if (Array.isArray(out)) list.push(...out);
          }
        }
        if (list.length > 0) await httpCache.invalidateTags(list);
      } catch (e) {
        logger.warn(`@InvalidateTags(${list.join(', ')}) failed: ${(e as Error).message}`);
      }
      return value;
    }),
  );
}
