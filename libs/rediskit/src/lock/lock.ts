import { LockLostError } from '../errors.js';
import type { Duration } from '../options/duration.js';

/** A lease confirmed by Redis: when it ends locally, on both clocks. */
export interface Lease {
  /** `performance.now()` time at which the local lease ends (monotonic, for timers). */
  deadline: number;
  /** `Date.now()` time at which the local lease ends. */
  expiresAt: number;
}

/** What a {@link Lock} asks of the service that issued it. */
export interface LockIssuer {
  /** Renews the lease; throws `LockLostError` when Redis says it is no longer ours. */
  renew(lock: Lock, ttl: Duration | undefined): Promise<Lease>;
  /** Compare-and-delete; false when it was no longer ours. */
  release(lock: Lock): Promise<boolean>;
  /** Called once per lock when it is found lost (metrics, logs). */
  lost(lock: Lock, error: LockLostError): void;
}

type LockState = 'held' | 'lost' | 'released';

/**
 * A held distributed lock. `fencingToken` strictly increases with every acquisition of the
 * same resource, across holders and instances: pass it to the resource you protect (a
 * database row, a storage API) and have it reject tokens lower than the highest it has seen,
 * so a holder that outlived its lease cannot overwrite its successor's work.
 *
 * `expiresAt` is the end of the local lease: measured from the moment the request was sent,
 * minus a clock-drift allowance, so it ends before Redis' copy does.
 *
 * @example
 * const lock = await locks.acquire(`invoice:${id}`, { ttl: '10s' });
 * try {
 *   await db.invoice.update({ where: { id, fence: { lt: lock.fencingToken } }, data: { ..., fence: lock.fencingToken } });
 * } finally {
 *   if (!(await lock.release())) logger.warn('lease ran out before release');
 * }
 */
export class Lock {
  private state: LockState = 'held';
  private lostError?: LockLostError;
  private releasing?: Promise<boolean>;

  /** @internal Locks come from `LockService`. */
  constructor(
    private readonly issuer: LockIssuer,
    /** The resource name passed to `acquire`. */
    readonly resource: string,
    /** This holder's random token; the lock key holds it while we own the lock. */
    readonly token: string,
    /** Strictly increasing per resource; hand it to the guarded resource. */
    readonly fencingToken: number,
    /** The lease length in ms that `extend()` renews by default. */
    readonly ttl: number,
    private lease: Lease,
  ) {}

  /** When the local lease ends, as a `Date.now()` timestamp (ms). */
  get expiresAt(): number {
    return this.lease.expiresAt;
  }

  /** Milliseconds left of the local lease (≤ 0 once it is over). */
  get remainingMs(): number {
    return this.lease.deadline - performance.now();
  }

  /** True while the lock is neither released nor known to be lost. */
  get isHeld(): boolean {
    return this.state === 'held';
  }

  /** Why the lock was lost, once it was. */
  get lostReason(): LockLostError | undefined {
    return this.lostError;
  }

  /**
   * Renews the lease to `ttl` (default: the acquisition's ttl), counted from now. Only the
   * owner can: when the lease already ended and someone else holds the lock, their lock is
   * left intact and this throws `LockLostError`. Redis errors are thrown as they are.
   *
   * @example
   * await lock.extend('30s');
   */
  async extend(ttl?: Duration): Promise<void> {
    if (this.state !== 'held') throw this.lostError ?? new LockLostError(this.resource, 'it was released');
    try {
      const lease = await this.issuer.renew(this, ttl);
      // Two extensions may overlap; both leases were confirmed, keep the later end.
      if (lease.deadline > this.lease.deadline) this.lease = lease;
    } catch (error) {
      if (error instanceof LockLostError) this.markLost(error);
      throw error;
    }
  }

  /**
   * Compare-and-delete. Resolves `true` when our lease was removed, `false` when it was no
   * longer ours (it expired, and possibly another holder has the lock now — theirs is left
   * intact). Calling it again returns the first call's answer. Redis errors reject; the lease
   * then ends on its own after its ttl.
   *
   * @example
   * const stillOurs = await lock.release();
   */
  release(): Promise<boolean> {
    if (!this.releasing) {
      const knownLost = this.state === 'lost';
      this.state = 'released';
      this.releasing = this.issuer.release(this).then(
        (released) => {
          if (!released && !knownLost) this.issuer.lost(this, new LockLostError(this.resource, 'the lease had ended before release'));
          return released;
        },
        (error: unknown) => {
          this.releasing = undefined; // let the caller try again
          throw error;
        },
      );
    }
    return this.releasing;
  }

  /** @internal Records that the lease is gone (first reason wins). */
  markLost(error: LockLostError): void {
    if (this.state !== 'held') return;
    this.state = 'lost';
    this.lostError = error;
    this.issuer.lost(this, error);
  }
}
