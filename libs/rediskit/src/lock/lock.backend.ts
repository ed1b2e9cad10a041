import type { RedisConnection } from '../connection/redis-connection.js';

/** The outcome of one try to take a lock. */
export type AcquireOutcome =
  | { acquired: true; fencingToken: number }
  /** `heldForMs`: the holder's remaining lease as Redis reports it (0 when unknown). */
  | { acquired: false; heldForMs: number };

/** How one try takes part in the resource's waiter queue (single mode; see lock-acquire.lua.ts). */
export interface QueueRequest {
  /** > 0: join or stay in the queue for this many ms when the lock is held; 0: do not queue. */
  forMs: number;
  /** This caller may be queued already (it tried before). */
  queued: boolean;
}

/** The outcome of an extension: `lost` means the lease is definitely no longer ours. */
export type ExtendOutcome = 'extended' | 'lost';

/**
 * Where locks live: one Redis connection, or a Redlock quorum of several. Every method takes
 * the resource name (not the key); the backend builds its keys. Methods throw when Redis
 * cannot say (down, circuit open, no quorum of answers).
 */
export interface LockBackend {
  /** Metric label. */
  readonly mode: 'single' | 'redlock';
  /** One try. `deadline` (performance.now() time) is when the new lease would already be over locally. */
  tryAcquire(resource: string, token: string, ttlMs: number, deadline: number, queue?: QueueRequest): Promise<AcquireOutcome>;
  /** Single mode: where releases announce hand-offs to queued waiters. Redlock waiters poll. */
  readonly handOffs?: { connection: RedisConnection; channel: string; budget: number };
  extend(resource: string, token: string, ttlMs: number, deadline: number): Promise<ExtendOutcome>;
  /** True when our lease was removed, false when it was no longer ours (the caller then leaves the queue). */
  release(resource: string, token: string): Promise<boolean>;
  isLocked(resource: string): Promise<boolean>;
  /** Deletes the lock whoever holds it; the fence counter stays. True when a lock was deleted. */
  forceRelease(resource: string): Promise<boolean>;
}
