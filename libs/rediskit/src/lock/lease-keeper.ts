import { LockLostError } from '../errors.js';
import type { Lock } from './lock.js';

/**
 * Keeps a lock's lease alive while a routine runs, and aborts the routine's signal the moment
 * the lease is known lost or its local end arrives without a confirmed extension.
 *
 * Extensions start when half the ttl is left. A refusal from Redis (someone else owns the
 * lock) aborts at once; a Redis error is retried every tenth of the ttl, and the deadline
 * timer — independent of any hung request — aborts when only a tenth of the ttl is left of the
 * local lease without a confirmed extension, so the routine has time to stop before the lease
 * ends (the local lease itself ends before Redis' by the clock-drift allowance).
 */
export class LeaseKeeper {
  private extendTimer?: NodeJS.Timeout;
  private deadlineTimer?: NodeJS.Timeout;
  private stopped = false;
  private lastError?: unknown;

  constructor(
    private readonly lock: Lock,
    private readonly controller: AbortController,
    private readonly autoExtend: boolean,
  ) {}

  start(): void {
    this.armDeadline();
    if (this.autoExtend) this.scheduleExtension(this.lock.remainingMs - this.lock.ttl / 2);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.extendTimer);
    clearTimeout(this.deadlineTimer);
  }

  private scheduleExtension(inMs: number): void {
    this.extendTimer = setTimeout(() => void this.extend(), Math.max(0, inMs));
  }

  private async extend(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.lock.extend();
      this.lastError = undefined;
      if (this.stopped) return;
      this.armDeadline();
      this.scheduleExtension(this.lock.remainingMs - this.lock.ttl / 2);
    } catch (error) {
      if (this.stopped) return;
      if (this.released) return this.stop();
      if (error instanceof LockLostError) return this.lose(error);
      // Redis slow or away: try again soon; the deadline timer decides when it is too late.
      this.lastError = error;
      this.scheduleExtension(Math.max(5, this.lock.ttl / 10));
    }
  }

  // The routine is told a tenth of the ttl before the local lease ends, so it has time to stop.
  private get margin(): number {
    return Math.max(1, this.lock.ttl / 10);
  }

  private armDeadline(): void {
    clearTimeout(this.deadlineTimer);
    this.deadlineTimer = setTimeout(() => this.checkDeadline(), Math.max(0, this.lock.remainingMs - this.margin));
  }

  private checkDeadline(): void {
    if (this.stopped) return;
    if (this.released) return this.stop();
    if (this.lock.lostReason) return this.lose(this.lock.lostReason);
    // A manual extend() may have moved the lease end.
    if (this.lock.remainingMs > this.margin) return this.armDeadline();
    const why = this.lastError instanceof Error ? `: ${this.lastError.message}` : '';
    this.lose(new LockLostError(this.lock.resource, `the local lease is about to end and no extension was confirmed${why}`, { cause: this.lastError }));
  }

  // The routine released the lock itself: nothing left to keep, nothing lost.
  private get released(): boolean {
    return !this.lock.isHeld && !this.lock.lostReason;
  }

  private lose(error: LockLostError): void {
    this.stop();
    this.lock.markLost(error);
    this.controller.abort(this.lock.lostReason ?? error);
  }
}
