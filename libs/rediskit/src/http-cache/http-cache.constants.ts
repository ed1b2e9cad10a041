/** Metadata key of `@CacheResponse()` (read it with `Reflector` in your own guards or interceptors). */
export const CACHE_RESPONSE_KEY = 'rediskit:http-cache:options';
/** Metadata key of `@NoCache()`. */
export const NO_CACHE_KEY = 'rediskit:http-cache:off';
/** Metadata key of `@InvalidateTags()`. */
export const INVALIDATE_TAGS_KEY = 'rediskit:http-cache:invalidate';
/** Feature name of the http cache's metrics. */
export const HTTP_CACHE_FEATURE = 'http_cache';
