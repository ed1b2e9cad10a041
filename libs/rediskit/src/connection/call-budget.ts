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

/**
 * Settles with `pending`, or with `RediskitTimeoutError` once `budgetMs` has passed, whichever
 * comes first, and tells `observer` how the call went (a timeout counts as a failure). Errors
 * of the Redis client become `RediskitError`s. A reply that comes after the budget is dropped:
 * the caller has already moved on.
 */
export function settleWithin<T>(pending: Promise<T>, budgetMs: number, observer: CallObserver, address: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      const late = new RediskitTimeoutError(`Redis at ${address} did not answer within ${budgetMs}ms`);
      observer.recordFailure(late);
      reject(late);
    }, budgetMs);
    pending.then(
      (value) => {
        clearTimeout(timer);
        observer.recordSuccess();
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        observer.recordFailure(error);
        reject(rediskitErrorOf(error, address));
      },
    );
  });
}
