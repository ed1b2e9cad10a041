import { RediskitError } from '../errors.js';

/**
 * A value is larger than the cache's `maxValueSize` once encoded; the message names the key.
 *
 * @example
 * try { await cache.set('report', huge) } catch (e) { if (e instanceof RediskitValueTooLargeError) log(e.size) }
 */
export class RediskitValueTooLargeError extends RediskitError {
  constructor(
    readonly key: string,
    readonly size: number,
    readonly maxSize: number,
  ) {
    super('VALUE_TOO_LARGE', `Value for cache key "${key}" is ${size} bytes encoded, over maxValueSize (${maxSize} bytes)`);
  }
}

/**
 * A `getOrSet` loader ran past its hard timeout and there was no stale value to serve. The
 * loader keeps running in the background and its result is still cached when it arrives.
 *
 * @example
 * await cache.getOrSet('slow', load, { timeout: { soft: 50, hard: 2000 } })   // may throw RediskitLoaderTimeoutError
 */
export class RediskitLoaderTimeoutError extends RediskitError {
  constructor(
    readonly key: string,
    readonly timeoutMs: number,
  ) {
    super('LOADER_TIMEOUT', `Loader for cache key "${key}" did not finish within ${timeoutMs} ms`);
  }
}

/**
 * An invalidation (del, invalidateTags, clear, invalidatePattern) could not reach Redis. It was
 * applied to this instance's memory layer, but other instances and Redis may still hold the
 * entries, so the caller is told.
 */
export class RediskitInvalidationError extends RediskitError {
  constructor(operation: string, options?: { cause?: unknown }) {
    super('INVALIDATION_FAILED', `Cache ${operation} could not reach Redis: ${(options?.cause as Error)?.message ?? 'unknown error'}`, options);
  }
}
