// The lock capability's entry for other capabilities (the package's public API is ../index.ts).
export { LockService } from './lock.service.js';
export type { Lock } from './lock.js';
