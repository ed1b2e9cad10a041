import { INTERCEPTORS_METADATA, PATH_METADATA, REDIRECT_METADATA, RENDER_METADATA, RESPONSE_PASSTHROUGH_METADATA, ROUTE_ARGS_METADATA, SSE_METADATA } from '@nestjs/common/constants.js';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
import { toMs, toPositiveMs } from '../options/duration.js';
import { CACHE_RESPONSE_KEY, INVALIDATE_TAGS_KEY, NO_CACHE_KEY } from './http-cache.constants.js';
import type { InvalidationTag } from './http-cache.decorators.js';
import { advertisedTags, cacheControl, fillResultTags, fillTags, namesResult } from './http-cache.headers.js';
import type { CacheResponseOptions } from './http-cache.options.js';
import { lower, type HttpCacheSettings } from './http-cache.settings.js';

/** How a cached route behaves, resolved once per handler from its decorators and the module options. */
export interface CachePlan {
  ttl: number;
  staleWhileRevalidate: number;
  private: boolean;
  /** Credentialed requests share the entry (`shared: true`); otherwise they bypass it. */
  shared: boolean;
  lock: boolean;
  varyBy: string[];
  /** Header names for `Vary` (as given). */
  vary: string[];
  cacheControl: string;
  /** `Cache-Control` of a response whose ttl the route's `adapt` chose. */
  cacheControlFor: (ttl: number) => string;
  /** Decides from the handler's result how its response is cached (`@CacheResponse({ adapt })`). */
  adapt: CacheResponseOptions['adapt'];
  statuses: Set<number> | undefined;
  key: ((request: any) => string) | undefined;
  condition: ((request: any) => boolean) | undefined;
  /** Tags for the cache; `undefined` when untagged. */
  tags: (request: any, params: Record<string, string> | undefined) => string[] | undefined;
  /** Tags as the headers list them, when they do not depend on the request. */
  staticHeaderTags: string[] | undefined;
  /** Tags naming the handler's result (`'product:{result.id}'`), filled once it answered. */
  resultTags: ((params: Record<string, string> | undefined, body: unknown) => string[]) | undefined;
  /** The route template, once known, for a handler mounted on one path (the metric label). */
  route: string | undefined;
  /** False for a handler mounted on several paths: its template is read on every request. */
  singlePath: boolean;
}

/**
 * The route template of a request (the metric label). Reading it can cost an object per
 * request (Fastify's routeOptions): a single-path handler's is read once and kept in its plan.
 */
export function routeTemplateOf(plan: CachePlan, ex: { route(): string }): string {
  return plan.route ?? (plan.singlePath ? (plan.route = ex.route()) : ex.route());
}

export interface RoutePlan {
  /** Caching of GET/HEAD, or undefined when the route is not cached. */
  cache: CachePlan | undefined;
  /** Tags `@InvalidateTags` names (applied to requests other than GET/HEAD). */
  invalidate: InvalidationTag[] | undefined;
}

const NOTHING: RoutePlan = { cache: undefined, invalidate: undefined };

/**
 * Reads a handler's decorators once. A route is cached when it or its controller has
 * `@CacheResponse()`, or the interceptor is applied to it directly (`@UseInterceptors`), or
 * `cacheByDefault` is on; never with `@NoCache()`, and never for handlers that own the
 * response (`@Res()` without passthrough), SSE, `@Render` or `@Redirect` routes.
 */
export function planRoute(cls: Function, handler: Function, settings: HttpCacheSettings, interceptor: Function): RoutePlan {
  const meta = <T>(key: string): T | undefined => Reflect.getMetadata(key, handler) ?? Reflect.getMetadata(key, cls);
  const invalidate = meta<InvalidationTag[]>(INVALIDATE_TAGS_KEY);
  if (meta<boolean>(NO_CACHE_KEY) || ownsResponse(cls, handler)) return invalidate ? { cache: undefined, invalidate } : NOTHING;
  let options = meta<CacheResponseOptions>(CACHE_RESPONSE_KEY);
  if (options === undefined && (settings.cacheByDefault || appliedDirectly(cls, handler, interceptor))) options = {};
  const cache = options ? cachePlan(options, settings) : undefined;
  if (cache) cache.singlePath = !Array.isArray(Reflect.getMetadata(PATH_METADATA, handler));
  return { cache, invalidate };
}

function cachePlan(o: CacheResponseOptions, s: HttpCacheSettings): CachePlan {
  const ttl = o.ttl !== undefined ? toPositiveMs(o.ttl, 'ttl') : s.ttl;
  const swr = o.staleWhileRevalidate !== undefined ? toMs(o.staleWhileRevalidate, 'staleWhileRevalidate') : s.staleWhileRevalidate;
  const isPrivate = o.private ?? false;
  const maxAge = o.maxAge !== undefined ? toMs(o.maxAge, 'maxAge') : s.maxAge;
  const givenSMaxAge = o.sMaxAge !== undefined ? toMs(o.sMaxAge, 'sMaxAge') : undefined;
  const sMaxAge = givenSMaxAge ?? ttl;
  const vary = [...new Set([...s.varyBy, ...(o.varyBy ?? [])].map((h) => h.toLowerCase()))].map((h) => o.varyBy?.find((g) => g.toLowerCase() === h) ?? h);
  let given = o.tags;
  let tags: CachePlan['tags'] = () => undefined;
  let staticHeaderTags: string[] | undefined;
  let resultTags: CachePlan['resultTags'];
  if (Array.isArray(given) && given.some(namesResult)) {
    const ofResult = given.filter(namesResult);
    resultTags = (params, body) => fillResultTags(ofResult, params, body);
    given = given.filter((t) => !namesResult(t));
  }
  if (typeof given === 'function') {
    tags = (req) => {
      const list = given(req);
      return list && list.length > 0 ? list : undefined;
    };
  } else if (given && given.length > 0) {
    if (given.some((t) => t.includes('{'))) {
      tags = (_req, params) => {
        const list = fillTags(given, params);
        return list.length > 0 ? list : undefined;
      };
    } else {
      tags = () => given;
      staticHeaderTags = advertisedTags(given);
    }
  }
  return {
    ttl,
    staleWhileRevalidate: swr,
    private: isPrivate,
    shared: o.shared ?? false,
    lock: o.lock ?? s.lock,
    varyBy: lower(vary),
    vary,
    cacheControl: cacheControl(isPrivate, maxAge, sMaxAge, swr),
    cacheControlFor: (adapted) => cacheControl(isPrivate, maxAge, givenSMaxAge ?? adapted, swr),
    adapt: o.adapt,
    statuses: s.statuses,
    key: o.key,
    condition: o.condition,
    tags,
    staticHeaderTags,
    resultTags,
    route: undefined,
    singlePath: true,
  };
}

function ownsResponse(cls: Function, handler: Function): boolean {
  if (Reflect.getMetadata(SSE_METADATA, handler) || Reflect.getMetadata(RENDER_METADATA, handler) || Reflect.getMetadata(REDIRECT_METADATA, handler)) return true;
  const args: Record<string, { index: number }> | undefined = Reflect.getMetadata(ROUTE_ARGS_METADATA, cls, handler.name);
  if (!args) return false;
  const usesRes = Object.keys(args).some((k) => {
    const type = Number(k.split(':')[0]);
    return type === RouteParamtypes.RESPONSE || type === RouteParamtypes.NEXT;
  });
  return usesRes && !Reflect.getMetadata(RESPONSE_PASSTHROUGH_METADATA, cls, handler.name);
}

function appliedDirectly(cls: Function, handler: Function, interceptor: Function): boolean {
  const listed = (target: object) => ((Reflect.getMetadata(INTERCEPTORS_METADATA, target) as unknown[] | undefined) ?? []).some((i) => i === interceptor || i instanceof interceptor);
  return listed(handler) || listed(cls);
}
