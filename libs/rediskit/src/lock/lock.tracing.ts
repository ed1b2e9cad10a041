import { redisSpanAttributes } from '../tracing/span-attributes.js';
import type { TraceSpan, Tracing } from '../tracing/tracing.js';
import type { Lock } from './lock.js';

/**
 * Spans of lock operations: `rediskit.lock.acquire | extend | release`, with the mode and the
 * fencing token. The resource name is left out: it often holds an id (`order:42`).
 */
export class LockTracing {
  constructor(
    private readonly tracing: Tracing,
    private readonly mode: 'single' | 'redlock',
  ) {}

  /** An acquisition (acquire or tryAcquire): `run` gives the lock, or how many tries failed. */
  acquire(run: () => Promise<Lock | number>): Promise<Lock | number> {
    return this.tracing.trace('rediskit.lock.acquire', 'client', redisSpanAttributes('lock.acquire', { 'rediskit.lock.mode': this.mode }), async (span) => {
      const outcome = await run();
      span?.setAttribute('rediskit.lock.acquired', typeof outcome !== 'number');
      if (typeof outcome === 'number') span?.setAttribute('rediskit.lock.attempts', outcome);
      else span?.setAttribute('rediskit.lock.fencing_token', outcome.fencingToken);
      return outcome;
    });
  }

  extend<T>(lock: Lock, run: () => Promise<T>): Promise<T> {
    return this.tracing.trace('rediskit.lock.extend', 'client', this.held('lock.extend', lock), run);
  }

  release(lock: Lock, run: () => Promise<boolean>): Promise<boolean> {
    return this.tracing.trace('rediskit.lock.release', 'client', this.held('lock.release', lock), async (span: TraceSpan | undefined) => {
      const released = await run();
      span?.setAttribute('rediskit.lock.released', released);
      return released;
    });
  }

  private held(operation: string, lock: Lock) {
    return redisSpanAttributes(operation, { 'rediskit.lock.mode': this.mode, 'rediskit.lock.fencing_token': lock.fencingToken });
  }
}
