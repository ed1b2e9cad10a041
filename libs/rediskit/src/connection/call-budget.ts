import { RediskitCommandError, RediskitConnectionError, RediskitError, RediskitTimeoutError } from '../errors.js';
import { isExpiredReply } from '../scripts/deadline.js';
import { redactedError } from './redacted-error.js';

/** Who hears how each call ended: the circuit breaker. */
export interface CallObserver {
  recordSuccess(): void;
  recordFailure(error: unknown): void;
}

/**
 * The `RediskitError` a caller gets for an error of the Redis client: `RediskitCommandError`
 * when Redis answered with an error, else `RediskitConnectionError`; the client's error is the
 * cause, redacted (ioredis keeps the command and its arguments on its errors).
 */
export function rediskitErrorOf(error: unknown, address: string): RediskitError {
  if (error instanceof RediskitError) return error;
  const message = (error as Error)?.message ?? String(error);
  if ((error as Error)?.name === 'ReplyError' && isExpiredReply(message)) {
    return new RediskitTimeoutError(`Redis at ${address} ran the call after its deadline and changed nothing`, { cause: redactedError(error) });
  }
  if ((error as Error)?.name === 'ReplyError') return new RediskitCommandError(`Redis at ${address} answered: ${message}`, { cause: redactedError(error) });
  return new RediskitConnectionError(`Redis at ${address}: ${message}`, { cause: redactedError(error) });
}

/** A call in flight: when its budget ends, and what to do then. */
interface Deadline {
  at: number;
  expire(): void;
}

/**
 * One timer for every call in flight, armed for the earliest deadline. A timer per call
 * (created, then cleared when the reply comes) cost more than the rest of an L2 cache hit's own
 * work (bench `cache`); here a call costs a Set insert and delete. The timer is cleared when no
 * call is left, so it never holds the process open.
 */
class Deadlines {
  private readonly calls = new Set<Deadline>();
  private timer?: NodeJS.Timeout;
  private armedFor = Infinity;

  add(d: Deadline): void {
    this.calls.add(d);
    if (d.at < this.armedFor) this.arm(d.at);
  }

  delete(d: Deadline): void {
    this.calls.delete(d);
    if (this.calls.size === 0 && this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.armedFor = Infinity;
    }
  }

  private arm(at: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.armedFor = at;
    this.timer = setTimeout(() => this.fire(), Math.max(0, Math.ceil(at - performance.now())));
  }

  // Expires what is due (timers may fire a little early: what is not due yet waits for the next).
  private fire(): void {
    this.timer = undefined;
    this.armedFor = Infinity;
    const now = performance.now();
    let next = Infinity;
    for (const d of this.calls) {
      if (d.at <= now) {
        this.calls.delete(d);
        d.expire();
      } else if (d.at < next) next = d.at;
    }
    if (next < Infinity && this.timer === undefined) this.arm(next);
  }
}

const deadlines = new Deadlines();

/**
 * Settles with `pending`, or with `RediskitTimeoutError` once `budgetMs` has passed, whichever
 * comes first, and tells `observer` how the call went (a timeout counts as a failure). Errors
 * of the Redis client become `RediskitError`s. A reply that comes after the budget is dropped:
 * the caller has already moved on.
 */
export function settleWithin<T>(pending: Promise<T>, budgetMs: number, observer: CallObserver, address: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const deadline: Deadline = {
      at: performance.now() + budgetMs,
      expire: () => {
        const late = new RediskitTimeoutError(`Redis at ${address} did not answer within ${budgetMs}ms`);
        observer.recordFailure(late);
        reject(late);
      },
    };
    deadlines.add(deadline);
    pending.then(
      (value) => {
        deadlines.delete(deadline);
        observer.recordSuccess();
        resolve(value);
      },
      (error: unknown) => {
        deadlines.delete(deadline);
        observer.recordFailure(error);
        reject(rediskitErrorOf(error, address));
      },
    );
  });
}
