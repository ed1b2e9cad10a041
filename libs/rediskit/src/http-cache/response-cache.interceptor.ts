import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { Observable } from 'rxjs';
import type { CacheLoaderContext, CacheSetOptions } from '../cache/index.js';
import { RediskitArgumentError } from '../errors.js';
import { CachedResponseWriter } from './cached-response.writer.js';
import { clientNoCache } from './http-cache.headers.js';
import { entryKeyOf } from './entry-key.js';
import type { HttpCacheResult } from './http-cache.metrics.js';
import { HttpCacheService } from './http-cache.service.js';
import { exchangeOf, type HttpExchange } from './http-exchange.js';
import { ResponseProducer, type Produced } from './response-producer.js';
import { BYPASS, PERSONAL, PERSONAL_CACHE_CONTROL, sharingOf, type Requester, type Sharing } from './response-sharing.js';
import { planRoute, routeTemplateOf, type CachePlan, type RoutePlan } from './route-plan.js';
import type { StoredResponse } from './stored-response.js';
import { StoredResponseChecker } from './stored-response.checker.js';
import { invalidatingTags } from './tag-invalidation.js';
import { RediskitLogger } from '../context/rediskit-logger.js';
import { earlyHitBlocker } from './early-hit.eligibility.js';
import { EarlyHitResponder } from './early-hit.responder.js';
import type { EarlyRoute } from './early-hit.routes.js';

// Returned by the loader for a response that is not stored; concurrent callers then run their own handler.
const UNCACHEABLE = Object.freeze({ uncacheable: true });
const isStorable = (v: unknown) => v !== UNCACHEABLE;
/** How a response of the route is stored (getOrSet, or set on a refresh). */
function storeOptions(plan: CachePlan, tags: string[] | undefined) {
  return { ttl: plan.ttl, tags, grace: plan.staleWhileRevalidate, lock: plan.lock, cacheIf: isStorable };
}
// Marks a request an interceptor already handles: it may be global and on the route at once
// (two instances; the inner one must pass through, or it would wait for the outer one's load).
// A symbol property rather than a WeakSet: a WeakSet entry per request cost about 0.5 µs
// (most of it in the garbage collector's weak-table work).
const HANDLED = Symbol('rediskit.responseCache.handled');

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
 * With `httpCache.earlyHits`, fresh memory hits of routes where nothing else would run on a
 * hit (no guard, this interceptor first) are answered before Nest's pipeline, with the same
 * rules and headers (docs/http-cache.md, Early hits).
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
  // This class orchestrates around `getOrSet`; the rules live in its parts: who may share an
  // entry (response-sharing.ts), the handler's answer as an entry (response-producer.ts), the
  // check of what is read (stored-response.checker.ts), writing a hit (cached-response.writer.ts).
  private readonly plans = new WeakMap<Function, Map<Function, RoutePlan>>();
  private readonly checker: StoredResponseChecker;
  private readonly producer: ResponseProducer;
  private readonly writer: CachedResponseWriter;
  private readonly early: EarlyHitResponder;
  // The overridable methods below, as the sharing rules call them.
  private readonly requester: Requester = {
    identify: (request) => this.identify(request),
    carriesCredentials: (request) => this.carriesCredentials(request),
  };
  private readonly logger = new RediskitLogger('ResponseCache');

  constructor(protected readonly httpCache: HttpCacheService) {
    this.checker = new StoredResponseChecker(httpCache);
    this.producer = new ResponseProducer(httpCache, this.checker);
    this.writer = new CachedResponseWriter(httpCache.settings);
    this.early = new EarlyHitResponder(httpCache, this.requester, this.checker, this.writer);
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> | Promise<Observable<unknown>> {
    if (context.getType() !== 'http') return next.handle();
    const plan = this.planOf(context);
    if (!plan.cache && !plan.invalidate) return next.handle();
    const http = context.switchToHttp();
    const req = http.getRequest();
    if (req[HANDLED] === true) return next.handle();
    req[HANDLED] = true;
    const method = req.method;
    if (method !== 'GET' && method !== 'HEAD') {
      return plan.invalidate ? invalidatingTags(this.httpCache, this.logger, plan.invalidate, req, exchangeOf(req, http.getResponse()), next) : next.handle();
    }
    if (!plan.cache) return next.handle();
    const route = this.httpCache.earlyHits?.routeOf(req);
    if (route !== undefined && route.answer === undefined) this.decideEarly(route, plan.cache, context, req);
    return this.cached(plan.cache, exchangeOf(req, http.getResponse()), req, next);
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

  /** Decides once per route whether its hits may be answered before Nest's pipeline (`httpCache.earlyHits`). */
  private decideEarly(route: EarlyRoute, plan: CachePlan, context: ExecutionContext, req: any): void {
    let blocker: string | undefined;
    try {
      blocker = earlyHitBlocker(context, req, this.httpCache.earlyHits!.appConfig, ResponseCacheInterceptor);
    } catch (e) {
      blocker = `metadata that could not be read (${(e as Error).message})`;
    }
    if (blocker !== undefined) {
      route.answer = null;
      this.logger.debug(`hits of ${context.getClass().name}.${context.getHandler().name} take Nest's pipeline: the route has ${blocker}`);
      return;
    }
    route.answer = (req: any, res: any) => this.early.answer(plan, req, res);
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
    const route = routeTemplateOf(plan, ex);
    let key: string;
    let tags: string[] | undefined;
    try {
      const owner: Sharing = sharingOf(plan, ex, req, this.requester);
      if (owner === BYPASS) return this.bypass(route, next);
      if (owner === PERSONAL) return this.personal(route, ex, next);
      ({ key, tags } = entryKeyOf(plan, ex, req, owner, s));
    } catch (e) {
      this.logger.warn(`not cached, the key or tags could not be built: ${(e as Error).message}`);
      // Whether the request is credentialed may be what failed: no cache after this one keeps it either.
      return this.personal(route, ex, next);
    }
    if (s.honorClientNoCache && clientNoCache(ex.header('cache-control'), ex.header('pragma'))) return this.refresh(plan, ex, next, key, storeOptions(plan, tags), route, req, tags);

    // A fresh entry is read first: cheaper than getOrSet (no per-call options to resolve),
    // and most requests of a cached route are hits. Misses and stale entries go to getOrSet.
    const fresh = await this.httpCache.store.get<StoredResponse>(key);
    if (fresh !== undefined) {
      if (this.checker.acceptable(fresh, route)) {
        this.httpCache.metrics.request(route, 'hit');
        return this.writer.write(ex, plan, fresh, 'hit', Date.now());
      }
      // Removed (memory first, then Redis), so getOrSet below loads it as a miss, single flight.
      await this.httpCache.store.del(key).catch(() => undefined);
    }

    // Built here, not before the read: a hit does not need it.
    const options = storeOptions(plan, tags);
    let own: Produced | undefined;
    let running: Promise<Produced> | undefined;
    // Set once this request answers with a handler run of its own: a loader call that comes
    // later (a background refresh) must not run the handler a second time.
    let answered = false;
    const loader = async (ctx: CacheLoaderContext) => {
      if (answered) return UNCACHEABLE;
      running = this.producer.produce(plan, ex, next, tags, route);
      own = await running;
      if (!own.entry || (!plan.adapt && !plan.resultTags)) return own.entry ?? UNCACHEABLE;
      const adapted = this.producer.adapted(plan, own, req, ex, tags, route);
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
    if (!this.checker.acceptable(entry, route)) {
      // An invalid entry served stale, or kept by memory when Redis refused the delete: this
      // request answers with its own handler run (the one refreshing behind, if it started).
      if (running) return this.send(ex, plan, await running, route);
      answered = true;
      return this.refresh(plan, ex, next, key, options, route, req, tags);
    }
    const now = Date.now();
    const result: HttpCacheResult = now - entry.at >= (entry.f ?? plan.ttl) ? 'stale' : 'hit';
    this.httpCache.metrics.request(route, result);
    return this.writer.write(ex, plan, entry, result, now);
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
    const own = await this.producer.produce(plan, ex, next, tags, route);
    if (!own.entry) return own.passthrough;
    const adapted = plan.adapt || plan.resultTags ? this.producer.adapted(plan, own, req, ex, tags, route) : {};
    if (adapted === 'skip') return own.passthrough;
    const entry = own.entry;
    await this.httpCache.store.set(key, entry, { ...options, ...adapted }).catch((e: Error) => this.logger.warn(`response not stored: ${e.message}`));
    return this.send(ex, plan, own, route);
  }

  private send(ex: HttpExchange, plan: CachePlan, own: Produced, route: string): Observable<unknown> {
    if (!own.entry) return own.passthrough;
    this.httpCache.metrics.request(route, 'miss');
    return this.writer.write(ex, plan, own.entry, 'miss', own.entry.at);
  }

  private bypass(route: string, next: CallHandler): Observable<unknown> {
    this.httpCache.metrics.request(route, 'bypass');
    return next.handle();
  }

  /** Bypasses the cache for a credentialed request; set before the handler runs, so error responses carry it too (the handler may still set its own). */
  private personal(route: string, ex: HttpExchange, next: CallHandler): Observable<unknown> {
    ex.setResponseHeader('cache-control', PERSONAL_CACHE_CONTROL);
    return this.bypass(route, next);
  }
}
