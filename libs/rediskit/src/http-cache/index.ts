// The HTTP cache capability's entry for other capabilities (the package's public API is ../index.ts).
export { exchangeOf, type HttpExchange } from './http-exchange.js';
export { bodySize, serializeBody } from './stored-response.js';
export { headerTag } from './http-cache.headers.js';
