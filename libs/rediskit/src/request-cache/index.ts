// The request cache's entry for other capabilities (the package's public API is ../index.ts).
export { RequestCache } from './request-cache.service.js';
export { RequestCached } from './request-cached.decorator.js';
