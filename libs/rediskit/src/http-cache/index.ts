// The HTTP cache's entry for other capabilities (the package's public API is ../index.ts).
export { headerTag } from './http-cache.headers.js';
