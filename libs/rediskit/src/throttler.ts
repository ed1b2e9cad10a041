export { RediskitThrottlerStorage, type ThrottlerRecord } from './rate-limit/rediskit-throttler.storage.js';
