import { Logger, type CallHandler } from '@nestjs/common';
import { EMPTY, lastValueFrom, of, type Observable } from 'rxjs';
import { RediskitArgumentError } from '../errors.js';
import { toPositiveMs } from '../options/duration.js';
import { advertisedTags } from './http-cache.headers.js';
import type { SkipReason } from './http-cache.metrics.js';
import type { HttpCacheService } from './http-cache.service.js';
import type { HttpExchange } from './http-exchange.js';
import { unstorable } from './response-sharing.js';
import type { CachePlan } from './route-plan.js';
import { bodySize, loadId, serializeBody, strongEtag, type StoredResponse } from './stored-response.js';
import type { StoredResponseChecker } from './stored-response.checker.js';
import { storedResponseProblem } from './stored-response.validation.js';

/** What running the handler gave: an entry to store, or a response that must pass through as it is. */
export interface Produced {
  entry?: StoredResponse;
  passthrough: Observable<unknown>;
  /** What the handler returned (for the route's `adapt`). */
  body?: unknown;
}

/** What the route's `adapt` changed for one response: its ttl, its tags (all of them), or skip. */
export type Adapted = { ttl?: number; tags?: string[] } | 'skip';

const NONE = Symbol('no value');

/** Runs a route's handler and turns its answer into the entry the cache stores. */
export class ResponseProducer {
  // Routes whose adapt function failed or returned a bad value, logged once each.
  private readonly warnedAdapt = new Set<string>();
  private readonly logger = new Logger('ResponseCache');

  constructor(
    private readonly httpCache: HttpCacheService,
    private readonly checker: StoredResponseChecker,
  ) {}

  /**
   * Runs the handler and serializes its result once. Responses with a status outside the
   * stored ones, a cookie, a stream body or a body over `maxBodySize` pass through untouched.
   */
  async produce(plan: CachePlan, ex: HttpExchange, next: CallHandler, tags: string[] | undefined, route: string): Promise<Produced> {
    const value = await lastValueFrom(next.handle(), { defaultValue: NONE as unknown });
    if (value === NONE) return this.skip(route, 'empty', EMPTY);
    const passthrough = of(value);
    const refused = unstorable(plan, ex);
    if (refused) return this.skip(route, refused, passthrough);
    const contentType = ex.getResponseHeader('content-type');
    const body = serializeBody(value, typeof contentType === 'string' ? contentType : undefined, ex.fastify);
    if (!body) return this.skip(route, 'stream', passthrough);
    if (bodySize(body) > this.httpCache.settings.maxBodySize) return this.skip(route, 'size', passthrough);
    const entry: StoredResponse = {
      n: loadId(),
      at: Date.now(),
      s: ex.status(),
      b: body.text ?? body.bytes!.toString('base64'),
      e: strongEtag(body.bytes ?? body.text!),
    };
    if (body.contentType) entry.t = body.contentType;
    if (body.bytes) entry.bin = 1;
    const headers = this.storedHeaders(ex);
    if (headers) entry.h = headers;
    if (tags) entry.g = plan.staticHeaderTags ?? advertisedTags(tags);
    // What could not pass the read-side check is not stored: it would be rejected on every read.
    if (storedResponseProblem(entry, this.httpCache.limits) !== undefined) return this.skip(route, 'invalid', passthrough);
    this.checker.vouch(entry);
    return { entry, passthrough, body: value };
  }

  /**
   * Applies what the handler's result decides to the response it produced: tags naming the
   * result, and the route's `adapt` (ttl, more tags, skip). The ttl (`f`, also in
   * `Cache-Control`) and the tags (`g`, the tag headers) change on the entry, and what the
   * cache must use is returned; 'skip' when `adapt` says so or what it returned is refused
   * (logged once per route), counted as not stored. The entry is checked again, as it will be
   * when read.
   */
  adapted(plan: CachePlan, own: Produced, req: any, ex: HttpExchange, tags: string[] | undefined, route: string): Adapted {
    const entry = own.entry!;
    const out: { ttl?: number; tags?: string[] } = {};
    try {
      const more = plan.resultTags?.(ex.params(), own.body) ?? [];
      const a = plan.adapt?.(own.body, req);
      if (a?.skip) {
        this.httpCache.metrics.skipped(route, 'adapt');
        return 'skip';
      }
      if (a?.ttl !== undefined) entry.f = out.ttl = toPositiveMs(a.ttl, 'ttl');
      if (a?.tags !== undefined) {
        if (!Array.isArray(a.tags)) throw new RediskitArgumentError('tags', `must be an array of strings, got ${JSON.stringify(a.tags)}`);
        more.push(...a.tags);
      }
      if (more.length > 0) entry.g = advertisedTags((out.tags = [...(tags ?? []), ...more]));
    } catch (e) {
      this.httpCache.metrics.skipped(route, 'adapt');
      if (!this.warnedAdapt.has(route)) {
        this.warnedAdapt.add(route);
        this.logger.warn(`a response of ${route} is not cached: its adapt function or result tags failed or gave a bad value (${(e as Error).message}); further ones are counted in http_cache_not_stored_total{reason="adapt"}`);
      }
      return 'skip';
    }
    if (storedResponseProblem(entry, this.httpCache.limits) !== undefined) {
      this.httpCache.metrics.skipped(route, 'invalid');
      return 'skip';
    }
    return out;
  }

  private skip(route: string, reason: SkipReason, passthrough: Observable<unknown>): Produced {
    this.httpCache.metrics.skipped(route, reason);
    return { passthrough };
  }

  private storedHeaders(ex: HttpExchange): [string, string | string[]][] | undefined {
    let out: [string, string | string[]][] | undefined;
    for (const name of this.httpCache.settings.storeHeaders) {
      const v = ex.getResponseHeader(name);
      if (v === undefined || v === null) continue;
      (out ??= []).push([name, Array.isArray(v) ? v.map(String) : String(v)]);
    }
    return out;
  }
}
