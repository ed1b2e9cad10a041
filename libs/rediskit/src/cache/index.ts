// The cache capability's entry for other capabilities (the package's public API is ../index.ts).
export { CacheService } from './cache.service.js';
export type { CacheNamespace } from './cache.namespace.js';
export { TagVersions } from './tag-versions.js';
export type { CacheInvalidatedEvent, CacheLoaderContext, CacheSetOptions, InvalidateOptions, InvalidationOutcome } from './cache.options.js';
export { stableHash, stableStringify } from './stable-hash.js';
