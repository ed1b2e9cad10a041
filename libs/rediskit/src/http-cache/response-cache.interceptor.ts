import { Injectable, StreamableFile, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { EMPTY, concatMap, lastValueFrom, of, type Observable } from 'rxjs';
import type { CacheLoaderContext, CacheSetOptions } from '../cache/index.js';
import { RediskitArgumentError } from '../errors.js';
import { toPositiveMs } from '../options/duration.js';
import type { InvalidationTag } from './http-cache.decorators.js';
import { advertisedTags, clientNoCache, fillTags, mergeVary, secs } from './http-cache.headers.js';
import { responseKey } from './http-cache.key.js';
import type { HttpCacheResult, SkipReason } from './http-cache.metrics.js';
import { HttpCacheService } from './http-cache.service.js';
import { exchangeOf, type HttpExchange } from './http-exchange.js';
import { planRoute, type CachePlan, type RoutePlan } from './route-plan.js';
import { bodySize, ifNoneMatch, loadId, serializeBody, strongEtag, type StoredResponse } from './stored-response.js';
import { storedResponseProblem } from './stored-response.validation.js';
import { RediskitLogger } from '../context/rediskit-logger.js';

/** What running the handler gave: an entry to store, or a response that must pass through as it is. */
interface Produced {
  entry?: StoredResponse;
  passthrough: Observable<unknown>;
  /** What the handler returned (for the route's `adapt`). */
  body?: unknown;
}

/** What the route's `adapt` changed for one response: its ttl, its tags (all of them), or skip. */
type Adapted = { ttl?: number; tags?: string[] } | 'skip';

// Returned by the loader for a response that is not stored; concurrent callers then run their own handler.
const UNCACHEABLE = Object.freeze({ uncacheable: true });
const isStorable = (v: unknown) => v !== UNCACHEABLE;
const NONE = Symbol('no value');
// Requests an interceptor already handles: it may be global and on the route at once (two
// instances; the inner one must pass through, or it would wait for the outer one's load).
// A WeakSet rather than a property, so the request object keeps its shape.
const seen = new WeakSet<object>();

const X_CACHE: Record<Exclude<HttpCacheResult, 'bypass'>, string> = { hit: 'HIT', stale: 'STALE', miss: 'MISS' };
// What a response to a credentialed request that the cache does not keep says to every cache after it.
const PERSONAL = 'private, no-store';

/**
 * Caches GET/HEAD responses in Redis (through `CacheService`, with its memory layer) and
 * answers hits with the stored bytes: the handler does not run and nothing is serialized
 * again. Adds `X-Cache`, `Age`, a strong `ETag` (304 on `If-None-Match`), `Cache-Control`,
 * `Vary` and `Surrogate-Key` / `Cache-Tag`. Concurrent misses of one key run the handler once.
 * Also runs `@InvalidateTags` after 2xx responses.
 *
 * Use it globally (`{ provide: APP_INTERCEPTOR, useClass: ResponseCacheInterceptor }`: routes
 * with `@CacheResponse()` are cached), on a controller or on a route
 * (`@UseInterceptors(ResponseCacheInterceptor)`: every GET route there is cached).
 *
 * How a hit skips Nest's serialization on both adapters: the interceptor emits the stored body
 * already serialized, with status and Content-Type set — a string on Express (which
 * `res.send()` writes as it is), a Buffer on Fastify (which `reply.send()` writes as it is),
 * a `StreamableFile` for binary bodies on Express (its adapter would JSON-encode a Buffer).
 *
 * Failure policy: Redis trouble never fails a request — a read error is a miss, the handler
 * runs and its response is sent (and counted as not written). A stored response that fails
 * validation (shape, sizes, status, header names and values) is a miss too, and is replaced.
 *
 * Requests are untrusted: a request carrying credentials (see `carriesCredentials`) neither
 * reads nor fills a shared entry unless the route says `shared: true`, and its response is sent
 * with `Cache-Control: private, no-store`; a GET or HEAD with a body is not cached; the key
 * holds the host and exactly what the framework routes.
 *
 * @example
 * @Controller('products')
 * @UseInterceptors(ResponseCacheInterceptor)
 * export class ProductController {
 *   @CacheResponse({ ttl: '5m', tags: ['products'] }) @Get() list() { ... }
 *   @InvalidateTags('products') @Post() create(@Body() dto: NewProduct) { ... }
 * }
 */
@Injectable()
export class ResponseCacheInterceptor implements NestInterceptor {
  private readonly plans = new WeakMap<Function, Map<Function, RoutePlan>>();
  private readonly buffers = new WeakMap<StoredResponse, Buffer>();
  // Stored responses already validated (the memory layer hands out one shared object per entry).
  private readonly checked = new WeakSet<object>();
  // Routes whose rejected entries were logged: once each, then only counted.
  private readonly warned = new Set<string>();
  // Routes whose adapt function failed or returned a bad value, logged once each.
  private readonly warnedAdapt = new Set<string>();
  private readonly logger = new RediskitLogger('ResponseCache');

  constructor(protected readonly httpCache: HttpCacheService) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> | Promise<Observable<unknown>> {
    if (context.getType() !== 'http') return next.handle();
    const plan = this.planOf(context);
    if (!plan.cache && !plan.invalidate) return next.handle();
    const http = context.switchToHttp();
    const req = http.getRequest();
    if (seen.has(req)) return next.handle();
    seen.add(req);
    const method = req.method;
    if (method !== 'GET' && method !== 'HEAD') return plan.invalidate ? this.invalidating(plan.invalidate, req, http.getResponse(), next) : next.handle();
    return plan.cache ? this.cached(plan.cache, exchangeOf(req, http.getResponse()), req, next) : next.handle();
  }

  /**
   * The owner of a private response. Override to read your own auth; the default is
   * `httpCache.identify` (`request.user.id`, then the rediskit session's `userId`).
   */
  protected identify(request: any): string | number | undefined | null {
    return this.httpCache.settings.identify(request);
  }

  /**
   * True when the request carries credentials, so its response must not be shared. Header
   * inspection only: an `Authorization` header or one of `httpCache.credentialHeaders`, the
   * rediskit session token (cookie or bearer) or a session `SessionGuard` attached, a
   * `request.user`, or one of `httpCache.credentialCookies`. Override to add your own signals
   * (call `super.carriesCredentials(request)` to keep these).
   */
  protected carriesCredentials(request: any): boolean {
    return this.httpCache.credentials.carriedBy(request);
  }

  private planOf(context: ExecutionContext): RoutePlan {
    const cls = context.getClass();
    const handler = context.getHandler();
    let byHandler = this.plans.get(cls);
    if (!byHandler) this.plans.set(cls, (byHandler = new Map()));
    let plan = byHandler.get(handler);
    if (!plan) byHandler.set(handler, (plan = planRoute(cls, handler, this.httpCache.settings, ResponseCacheInterceptor)));
    return plan;
  }

  private async cached(plan: CachePlan, ex: HttpExchange, req: any, next: CallHandler): Promise<Observable<unknown>> {
    const s = this.httpCache.settings;
    // Reading the template can cost an object per request (Fastify's routeOptions): once per single-path handler.
    const route = plan.route ?? (plan.singlePath ? (plan.route = ex.route()) : ex.route());
    let key: string;
    let tags: string[] | undefined;
    try {
      if (plan.condition && !plan.condition(req)) return this.bypass(route, next);
      // A GET or HEAD with a body: its answer may depend on bytes the key does not see.
      if (carriesBody(ex)) return this.bypass(route, next);
      let owner: string | number | undefined | null;
      if (plan.private) {
        owner = this.identify(req);
        // A request without an owner has no private entry of its own: it is not cached.
        if (owner === undefined || owner === null || owner === '') return this.carriesCredentials(req) ? this.personal(route, ex, next) : this.bypass(route, next);
      } else if (!plan.shared && this.carriesCredentials(req)) {
        // RFC 9111 §3.5: a shared cache neither stores nor serves the answer to a credentialed
        // request unless told the response is the same for everyone (`shared: true`).
        return this.personal(route, ex, next);
      }
      const byHost = s.keyByHost;
      key = responseKey({
        method: ex.method,
        url: ex.url,
        adapter: ex.fastify ? 'fastify' : 'express',
        host: byHost ? ex.host() : undefined,
        forwardedHost: byHost ? ex.header('x-forwarded-host') : undefined,
        ignoreQuery: s.ignoreQuery,
        vary: plan.varyBy.length > 0 ? plan.varyBy.map((h) => ex.header(h)) : undefined,
        owner: owner ?? undefined,
        custom: plan.key?.(req),
      });
      tags = plan.tags(req, ex.params());
    } catch (e) {
      this.logger.warn(`not cached, the key or tags could not be built: ${(e as Error).message}`);
      // Whether the request is credentialed may be what failed: no cache after this one keeps it either.
      return this.personal(route, ex, next);
    }
    const options = { ttl: plan.ttl, tags, grace: plan.staleWhileRevalidate, lock: plan.lock, cacheIf: isStorable };
    if (s.honorClientNoCache && clientNoCache(ex.header('cache-control'), ex.header('pragma'))) return this.refresh(plan, ex, next, key, options, route, req, tags);

    // A fresh entry is read first: cheaper than getOrSet (no per-call options to resolve),
    // and most requests of a cached route are hits. Misses and stale entries go to getOrSet.
    const fresh = await this.httpCache.store.get<StoredResponse>(key);
    if (fresh !== undefined) {
      if (this.acceptable(fresh, route)) {
        this.httpCache.metrics.request(route, 'hit');
        return this.respond(ex, plan, fresh, 'hit', Date.now());
      }
      // Removed (memory first, then Redis), so getOrSet below loads it as a miss, single flight.
      await this.httpCache.store.del(key).catch(() => undefined);
    }

    let own: Produced | undefined;
    let running: Promise<Produced> | undefined;
    // Set once this request answers with a handler run of its own: a loader call that comes
    // later (a background refresh) must not run the handler a second time.
    let answered = false;
    const loader = async (ctx: CacheLoaderContext) => {
      if (answered) return UNCACHEABLE;
      running = this.produce(plan, ex, next, tags, route);
      own = await running;
      if (!own.entry || (!plan.adapt && !plan.resultTags)) return own.entry ?? UNCACHEABLE;
      const adapted = this.adapted(plan, own, req, ex, tags, route);
      if (adapted === 'skip') return UNCACHEABLE;
      if (adapted.ttl !== undefined) ctx.ttl = adapted.ttl;
      if (adapted.tags) ctx.tags = adapted.tags;
      return own.entry;
    };
    let found: StoredResponse | typeof UNCACHEABLE;
    try {
      found = await this.httpCache.store.getOrSet<StoredResponse | typeof UNCACHEABLE>(key, loader, options);
    } catch (e) {
      // The handler ran and answered, but storing failed (e.g. too large): send its answer.
      if (own) return this.send(ex, plan, own, route);
      if (!running && e instanceof RediskitArgumentError) {
        this.logger.warn(`not cached: ${e.message}`);
        return this.bypass(route, next);
      }
      throw e; // the handler's own error (or the one of the concurrent call this request waited for)
    }
    if (found === UNCACHEABLE) {
      if (own) return own.passthrough;
      // This request waited for a concurrent handler whose response cannot be shared: run its own.
      return this.bypass(route, next);
    }
    const entry = found as StoredResponse;
    if (own?.entry && own.entry.n === entry.n) return this.send(ex, plan, own, route);
    if (!this.acceptable(entry, route)) {
      // An invalid entry served stale, or kept by memory when Redis refused the delete: this
      // request answers with its own handler run (the one refreshing behind, if it started).
      if (running) return this.send(ex, plan, await running, route);
      answered = true;
      return this.refresh(plan, ex, next, key, options, route, req, tags);
    }
    const now = Date.now();
    const result: HttpCacheResult = now - entry.at >= (entry.f ?? plan.ttl) ? 'stale' : 'hit';
    this.httpCache.metrics.request(route, result);
    return this.respond(ex, plan, entry, result, now);
  }

  /** Runs the handler and stores what it gives, whatever is cached (`honorClientNoCache`, or an invalid entry). */
  private async refresh(
    plan: CachePlan,
    ex: HttpExchange,
    next: CallHandler,
    key: string,
    options: CacheSetOptions,
    route: string,
    req: any,
    tags?: string[],
  ): Promise<Observable<unknown>> {
    const own = await this.produce(plan, ex, next, tags, route);
    if (!own.entry) return own.passthrough;
    const adapted = plan.adapt || plan.resultTags ? this.adapted(plan, own, req, ex, tags, route) : {};
    if (adapted === 'skip') return own.passthrough;
    const entry = own.entry;
    await this.httpCache.store.set(key, entry, { ...options, ...adapted }).catch((e: Error) => this.logger.warn(`response not stored: ${e.message}`));
    return this.send(ex, plan, own, route);
  }

  /**
   * Applies what the handler's result decides to the response it produced: tags naming the
   * result, and the route's `adapt` (ttl, more tags, skip). The ttl (`f`, also in
   * `Cache-Control`) and the tags (`g`, the tag headers) change on the entry, and what the
   * cache must use is returned; 'skip' when `adapt` says so or what it returned is refused
   * (logged once per route), counted as not stored. The entry is checked again, as it will be
   * when read.
   */
  private adapted(plan: CachePlan, own: Produced, req: any, ex: HttpExchange, tags: string[] | undefined, route: string): Adapted {
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

  /** True when a value read from the cache is a response this app could have stored; else counted and logged (once per route). */
  private acceptable(entry: unknown, route: string): boolean {
    if (this.checked.has(entry as object)) return true;
    const problem = storedResponseProblem(entry, this.httpCache.limits);
    if (problem === undefined) {
      this.checked.add(entry as object);
      return true;
    }
    this.httpCache.metrics.rejectedEntry(route);
    if (!this.warned.has(route)) {
      this.warned.add(route);
      this.logger.warn(`a stored response of ${route} failed validation (${problem}): read as a miss and replaced; further ones are counted in http_cache_rejected_entries_total`);
    }
    return false;
  }

  private send(ex: HttpExchange, plan: CachePlan, own: Produced, route: string): Observable<unknown> {
    if (!own.entry) return own.passthrough;
    this.httpCache.metrics.request(route, 'miss');
    return this.respond(ex, plan, own.entry, 'miss', own.entry.at);
  }

  private bypass(route: string, next: CallHandler): Observable<unknown> {
    this.httpCache.metrics.request(route, 'bypass');
    return next.handle();
  }

  /** Bypasses the cache for a credentialed request; set before the handler runs, so error responses carry it too (the handler may still set its own). */
  private personal(route: string, ex: HttpExchange, next: CallHandler): Observable<unknown> {
    ex.setResponseHeader('cache-control', PERSONAL);
    return this.bypass(route, next);
  }

  /**
   * Runs the handler and serializes its result once. Responses with a status outside the
   * stored ones, a cookie, a stream body or a body over `maxBodySize` pass through untouched.
   */
  private async produce(plan: CachePlan, ex: HttpExchange, next: CallHandler, tags: string[] | undefined, route: string): Promise<Produced> {
    const value = await lastValueFrom(next.handle(), { defaultValue: NONE as unknown });
    if (value === NONE) return this.skip(route, 'empty', EMPTY);
    const passthrough = of(value);
    const status = ex.status();
    if (plan.statuses ? !plan.statuses.has(status) : status < 200 || status > 299) return this.skip(route, 'status', passthrough);
    if (ex.setsCookie()) return this.skip(route, 'cookie', passthrough);
    const contentType = ex.getResponseHeader('content-type');
    const body = serializeBody(value, typeof contentType === 'string' ? contentType : undefined, ex.fastify);
    if (!body) return this.skip(route, 'stream', passthrough);
    if (bodySize(body) > this.httpCache.settings.maxBodySize) return this.skip(route, 'size', passthrough);
    const entry: StoredResponse = {
      n: loadId(),
      at: Date.now(),
      s: status,
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
    this.checked.add(entry);
    return { entry, passthrough, body: value };
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

  /** Writes status and headers, then emits the stored body as bytes the adapter sends as they are (or nothing, for a 304). */
  private respond(ex: HttpExchange, plan: CachePlan, entry: StoredResponse, result: Exclude<HttpCacheResult, 'bypass'>, now: number): Observable<unknown> {
    if (ex.status() !== entry.s) ex.setStatus(entry.s);
    if (entry.h) for (const [name, value] of entry.h) ex.setResponseHeader(name, value);
    ex.setResponseHeader('x-cache', X_CACHE[result]);
    ex.setResponseHeader('age', secs(now - entry.at));
    ex.setResponseHeader('etag', entry.e);
    ex.setResponseHeader('cache-control', entry.f === undefined ? plan.cacheControl : plan.cacheControlFor(entry.f));
    if (plan.vary.length > 0) ex.setResponseHeader('vary', mergeVary(ex.getResponseHeader('vary'), plan.vary));
    if (entry.g && this.httpCache.settings.tagHeaders) {
      ex.setResponseHeader('surrogate-key', entry.g.join(' '));
      ex.setResponseHeader('cache-tag', entry.g.join(','));
    }
    if (ifNoneMatch(ex.header('if-none-match'), entry.e)) {
      ex.setStatus(304);
      ex.removeResponseHeader('content-type');
      return of(undefined);
    }
    if (entry.t) ex.setResponseHeader('content-type', entry.t);
    if (ex.fastify) return of(this.bytesOf(entry));
    return of(entry.bin ? new StreamableFile(this.bytesOf(entry)) : entry.b);
  }

  /** The body's bytes, decoded once per stored object (the memory layer hands out one shared object per entry). */
  private bytesOf(entry: StoredResponse): Buffer {
    let bytes = this.buffers.get(entry);
    if (!bytes) this.buffers.set(entry, (bytes = Buffer.from(entry.b, entry.bin ? 'base64' : 'utf8')));
    return bytes;
  }

  private invalidating(tags: InvalidationTag[], req: any, res: any, next: CallHandler): Observable<unknown> {
    const ex = exchangeOf(req, res);
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
          if (list.length > 0) await this.httpCache.invalidateTags(list);
        } catch (e) {
          // The change is made: failing its response would invite a retry. Counted and logged instead.
          this.logger.warn(`@InvalidateTags(${list.join(', ')}) failed: ${(e as Error).message}`);
        }
        return value;
      }),
    );
  }
}

/** A GET or HEAD that carries a body (`Content-Length` above 0, or any `Transfer-Encoding`). */
function carriesBody(ex: HttpExchange): boolean {
  const length = ex.header('content-length');
  return (length !== undefined && Number(length) !== 0) || ex.header('transfer-encoding') !== undefined;
}
