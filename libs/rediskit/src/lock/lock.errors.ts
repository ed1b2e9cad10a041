import { RediskitError } from '../errors.js';

/**
 * `acquire` gave up: the resource stayed held through every retry (or `retry.maxWait`).
 *
 * @example
 * try { await locks.acquire('invoice:7') } catch (e) { if (e instanceof LockNotAcquiredError) return reply.status(409) }
 */
export class LockNotAcquiredError extends RediskitError {
  constructor(
    readonly resource: string,
    /** How many times the lock was tried. */
    readonly tries: number,
  ) {
    super('LOCK_NOT_ACQUIRED', `Lock "${resource}" is held by someone else (tried ${tries} time${tries === 1 ? '' : 's'})`);
  }
}

/**
 * The lease is no longer ours: it expired (and may have been taken by another holder), was
 * released, or could not be extended before the local lease ended. `withLock` aborts its
 * signal with this error as the reason; `Lock.extend` throws it.
 *
 * @example
 * await locks.withLock('report', async (signal) => {
 *   for (const page of pages) { signal.throwIfAborted(); await write(page) }  // throws LockLostError
 * });
 */
export class LockLostError extends RediskitError {
  constructor(
    readonly resource: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super('LOCK_LOST', `Lock "${resource}" was lost: ${reason}`, options);
  }
}
