import type { Duration } from '../options/duration.js';
import type { CacheAdaptation, CacheLoaderContext } from './cache.options.js';
import type { Adaptable, CallOptions } from './cache-call-options.js';

/**
 * The context a loader gets (see `CacheLoaderContext`): the call's options, which the loader
 * may change from the value it produces. Validated by `adaptCallOptions` once it returns.
 */
export class LoaderContext implements CacheLoaderContext, Adaptable {
  ttl: Duration;
  grace: Duration;
  staleIfError: Duration;
  tags: string[];
  skipped = false;

  constructor(o: CallOptions) {
    this.ttl = o.ttl;
    this.grace = o.grace;
    this.staleIfError = o.staleIfError;
    this.tags = o.tags ? [...o.tags] : [];
  }

  skip(): void {
    this.skipped = true;
  }
}

/**
 * Applies what an `adapt` function returned (decorators, `@CacheResponse`) to a loader's
 * context: each period given replaces the context's, `tags` are added to its tags, `skip:
 * true` skips.
 *
 * @example
 * adaptContext(ctx, { ttl: '30s', tags: [`user:${user.id}`] });
 */
export function adaptContext(ctx: CacheLoaderContext, a: CacheAdaptation | undefined | null | void): void {
  if (!a) return;
  if (a.ttl !== undefined) ctx.ttl = a.ttl;
  if (a.grace !== undefined) ctx.grace = a.grace;
  if (a.staleIfError !== undefined) ctx.staleIfError = a.staleIfError;
  // Not a list: kept as it is, so the check of what the loader set refuses it, naming `tags`.
  if (a.tags !== undefined) ctx.tags = Array.isArray(a.tags) ? [...ctx.tags, ...a.tags] : a.tags;
  if (a.skip) ctx.skip();
}
