import { VersioningType, type ExecutionContext } from '@nestjs/common';
import { GUARDS_METADATA, HEADERS_METADATA, HOST_METADATA, INTERCEPTORS_METADATA } from '@nestjs/common/constants.js';
import type { ModuleRef } from '@nestjs/core';
import { REQUEST_CONTEXT_ID } from '@nestjs/core/router/request/request-constants.js';

/** The parts of Nest's `ApplicationConfig` read here (the global enhancers `useGlobal*()` and `APP_*` providers added). */
export interface AppConfigLike {
  getGlobalGuards(): unknown[];
  getGlobalInterceptors(): unknown[];
  getGlobalRequestGuards?(): unknown[];
  getGlobalRequestInterceptors?(): unknown[];
  getGlobalPreRequestHooks?(): unknown[];
  getVersioning?(): { type: VersioningType } | undefined;
}

/**
 * The application's config, which holds the global guards and interceptors. Nest has no public
 * accessor for it: it is read from the container `ModuleRef` keeps. When its shape is not the
 * expected one, undefined, and no route is answered early.
 */
export function appConfigOf(moduleRef: ModuleRef): AppConfigLike | undefined {
  const config = (moduleRef as unknown as { container?: { applicationConfig?: AppConfigLike } }).container?.applicationConfig;
  return config && typeof config.getGlobalGuards === 'function' && typeof config.getGlobalInterceptors === 'function' ? config : undefined;
}

/**
 * Why hits of a route may not be answered before Nest's pipeline, or undefined when that is
 * equivalent: a hit of the normal path runs, besides the response cache, only the guards, the
 * interceptors before it, the `@Header()` headers, host and version filters and the
 * request-scoped controller's creation. A route with any of them is never answered early.
 * Pipes, the handler and the interceptors after the response cache do not run on a hit.
 *
 * @param cacheInterceptor `ResponseCacheInterceptor`: the first interceptor of the chain must be one (or a subclass that keeps its `intercept`).
 */
export function earlyHitBlocker(context: ExecutionContext, req: any, config: AppConfigLike | undefined, cacheInterceptor: Function): string | undefined {
  if (!config) return 'the application config is not readable';
  const cls = context.getClass();
  const handler = context.getHandler();
  const listed = (key: string, target: object) => ((Reflect.getMetadata(key, target) as unknown[] | undefined)?.length ?? 0) > 0;
  if (config.getGlobalGuards().length > 0 || (config.getGlobalRequestGuards?.().length ?? 0) > 0) return 'a global guard';
  if (listed(GUARDS_METADATA, cls) || listed(GUARDS_METADATA, handler)) return 'a guard';
  if ((config.getGlobalRequestInterceptors?.().length ?? 0) > 0) return 'a request-scoped global interceptor';
  const chain = [...config.getGlobalInterceptors(), ...((Reflect.getMetadata(INTERCEPTORS_METADATA, cls) as unknown[]) ?? []), ...((Reflect.getMetadata(INTERCEPTORS_METADATA, handler) as unknown[]) ?? [])];
  if (!isCacheInterceptor(chain[0], cacheInterceptor)) return 'an interceptor before ResponseCacheInterceptor (or a subclass overriding intercept())';
  if (listed(HEADERS_METADATA, handler)) return '@Header()';
  if (Reflect.getMetadata(HOST_METADATA, cls) !== undefined) return 'a host filter';
  const versioning = config.getVersioning?.();
  // URI versioning is in the path, which the adapter routes; the other kinds filter inside the handler.
  if (versioning && versioning.type !== VersioningType.URI) return 'header, media type or custom versioning';
  if ((config.getGlobalPreRequestHooks?.().length ?? 0) > 0) return 'a pre-request hook';
  // Nest creates a request-scoped controller (and its request-scoped providers) on every request, hit or not.
  if (req?.[REQUEST_CONTEXT_ID] !== undefined) return 'a request-scoped controller';
  return undefined;
}

// The response cache or a subclass that keeps its intercept(): one that overrides it adds work
// of its own to every hit (a subclass may still override identify and carriesCredentials).
function isCacheInterceptor(entry: unknown, cls: Function): boolean {
  const isClass = typeof entry === 'function';
  if (!(entry === cls || entry instanceof cls || (isClass && entry.prototype instanceof cls))) return false;
  const intercept = isClass ? (entry.prototype as { intercept?: unknown }).intercept : (entry as { intercept?: unknown }).intercept;
  return intercept === (cls.prototype as { intercept?: unknown }).intercept;
}
