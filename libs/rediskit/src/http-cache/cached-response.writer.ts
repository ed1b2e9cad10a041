import { StreamableFile } from '@nestjs/common';
import { of, type Observable } from 'rxjs';
import { mergeVary, secs } from './http-cache.headers.js';
import type { HttpCacheResult } from './http-cache.metrics.js';
import type { HttpCacheSettings } from './http-cache.settings.js';
import type { HttpExchange } from './http-exchange.js';
import type { CachePlan } from './route-plan.js';
import { ifNoneMatch, type StoredResponse } from './stored-response.js';

const X_CACHE: Record<Exclude<HttpCacheResult, 'bypass'>, string> = { hit: 'HIT', stale: 'STALE', miss: 'MISS' };

/**
 * Writes a stored response on Express or Fastify without serializing it again: status and
 * headers (`X-Cache`, `Age`, a strong `ETag`, `Cache-Control`, `Vary`, `Surrogate-Key` /
 * `Cache-Tag`), then the body already serialized — a string on Express (which `res.send()`
 * writes as it is), a Buffer on Fastify (which `reply.send()` writes as it is), a
 * `StreamableFile` for binary bodies on Express (its adapter would JSON-encode a Buffer).
 */
export class CachedResponseWriter {
  private readonly buffers = new WeakMap<StoredResponse, Buffer>();

  constructor(private readonly settings: HttpCacheSettings) {}

  /** Writes status and headers, then emits the stored body as bytes the adapter sends as they are (or nothing, for a 304). */
  write(ex: HttpExchange, plan: CachePlan, entry: StoredResponse, result: Exclude<HttpCacheResult, 'bypass'>, now: number): Observable<unknown> {
    return of(this.answer(ex, plan, entry, result, now));
  }

  /**
   * Writes status and headers; returns the body for the adapter's `reply()` (`undefined` for a
   * 304): what `write` emits, for the early path, which calls `reply()` itself.
   */
  answer(ex: HttpExchange, plan: CachePlan, entry: StoredResponse, result: Exclude<HttpCacheResult, 'bypass'>, now: number): unknown {
    if (ex.status() !== entry.s) ex.setStatus(entry.s);
    if (entry.h) for (const [name, value] of entry.h) ex.setResponseHeader(name, value);
    ex.setResponseHeader('x-cache', X_CACHE[result]);
    ex.setResponseHeader('age', secs(now - entry.at));
    ex.setResponseHeader('etag', entry.e);
    ex.setResponseHeader('cache-control', entry.f === undefined ? plan.cacheControl : plan.cacheControlFor(entry.f));
    if (plan.vary.length > 0) ex.setResponseHeader('vary', mergeVary(ex.getResponseHeader('vary'), plan.vary));
    if (entry.g && this.settings.tagHeaders) {
      ex.setResponseHeader('surrogate-key', entry.g.join(' '));
      ex.setResponseHeader('cache-tag', entry.g.join(','));
    }
    if (ifNoneMatch(ex.header('if-none-match'), entry.e)) {
      ex.setStatus(304);
      ex.removeResponseHeader('content-type');
      return undefined;
    }
    if (entry.t) ex.setResponseHeader('content-type', entry.t);
    if (ex.fastify) return this.bytesOf(entry);
    return entry.bin ? new StreamableFile(this.bytesOf(entry)) : entry.b;
  }

  /** The body's bytes, decoded once per stored object (the memory layer hands out one shared object per entry). */
  private bytesOf(entry: StoredResponse): Buffer {
    let bytes = this.buffers.get(entry);
    if (!bytes) this.buffers.set(entry, (bytes = Buffer.from(entry.b, entry.bin ? 'base64' : 'utf8')));
    return bytes;
  }
}
