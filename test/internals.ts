// Internals of nestjs-rediskit that tests and benchmarks reach by path: they are not part of
// the package's public API (libs/rediskit/src/index.ts).
export { RedisConnection } from '../libs/rediskit/src/connection/redis-connection.js';
export { scanKeys, unlinkMatching } from '../libs/rediskit/src/connection/scan.js';
export { RedisConnectionMetrics } from '../libs/rediskit/src/metrics/connection.metrics.js';
export { MemoryRateLimiter } from '../libs/rediskit/src/rate-limit/memory-rate-limiter.js';
export type { StoredResponse } from '../libs/rediskit/src/http-cache/stored-response.js';
export { requestFingerprint } from '../libs/rediskit/src/idempotency/idempotency.fingerprint.js';
export { recordId } from '../libs/rediskit/src/idempotency/idempotency-key.js';
export { Tracing } from '../libs/rediskit/src/tracing/tracing.js';
export { sendNow } from '../libs/rediskit/src/scripts/send-now.js';
