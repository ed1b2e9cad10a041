import { EventEmitter } from 'node:events';
import { toPositiveMs, type Duration } from '../options/duration.js';
import { RediskitCircuitOpenError, RediskitConnectionError, RediskitError } from '../errors.js';

export interface CircuitBreakerOptions {
  /** Consecutive failed calls (transport errors, timeouts) that open the circuit. @default 5 */
  failureThreshold?: number;
  /**
   * While open, how often the breaker probes Redis with a PING of its own (jittered by ±25%);
   * the first probe that answers closes the circuit. A connection that becomes ready again is
   * probed at once.
   * @default 250 ms
   */
  recoveryTimeout?: Duration;
}

export type CircuitStateName = 'closed' | 'open' | 'half-open' | 'isolated';

/** A cheap round trip that tells whether Redis answers (a PING with a short timeout). */
export type CircuitProbe = () => Promise<unknown>;

// A Redis reply error (WRONGTYPE, a script error) means the server is up, and a bad argument
// says nothing about it: only transport failures and timeouts count against the circuit.
const isTransportFailure = (err: unknown) =>
  err instanceof RediskitConnectionError || (!(err instanceof RediskitError) && !(err instanceof Error && err.name === 'ReplyError'));

/**
 * Fails Redis calls fast while Redis is down. After `failureThreshold` consecutive failures
 * the circuit opens and calls throw `RediskitCircuitOpenError` (or return the fallback)
 * without touching Redis. While open, the breaker probes Redis itself, never with a user's
 * call: a PING every `recoveryTimeout` (jittered, so instances do not probe in step), and at
 * once when the connection reports ready. The first probe that answers closes the circuit, so
 * recovery follows Redis within one probe interval. Operators can `open()` (isolated: no
 * probes) and `close()` it by hand.
 *
 * The connection reports each call's outcome with {@link recordSuccess} / {@link recordFailure};
 * while all is well that costs one comparison per call.
 *
 * @example
 * breaker.onStateChange((state) => logger.warn(`redis circuit ${state}`));
 * const value = await breaker.execute(() => redis.get(key), () => null);
 */
export class CircuitBreaker {
  private current: CircuitStateName = 'closed';
  private failures = 0;
  private probeTimer?: NodeJS.Timeout;
  private probing = false;
  private readonly threshold: number;
  private readonly probeEveryMs: number;
  private readonly events = new EventEmitter();

  constructor(
    readonly name: string,
    private readonly options: CircuitBreakerOptions | false,
    private readonly probe: CircuitProbe,
  ) {
    this.threshold = options === false ? Infinity : (options.failureThreshold ?? 5);
    this.probeEveryMs = options === false ? 0 : toPositiveMs(options.recoveryTimeout ?? 250, 'circuitBreaker.recoveryTimeout');
  }

  get enabled(): boolean {
    return this.options !== false;
  }

  get state(): CircuitStateName {
    return this.current;
  }

  /** True when calls may go to Redis now (closed). */
  get admits(): boolean {
    return this.current === 'closed';
  }

  /** Runs `fn` through the circuit. While open: the fallback's result, or `RediskitCircuitOpenError`. */
  execute<T>(fn: () => Promise<T>): Promise<T>;
  execute<T, F>(fn: () => Promise<T>, fallback: (error: Error) => F | Promise<F>): Promise<T | F>;
  execute<T, F>(fn: () => Promise<T>, fallback?: (error: Error) => F | Promise<F>): Promise<T | F> {
    if (!this.admits) {
      const error = this.openError();
      return fallback ? Promise.resolve().then(() => fallback(error)) : Promise.reject(error);
    }
    const pending = fn();
    pending.then(
      () => this.recordSuccess(),
      (e) => this.recordFailure(e),
    );
    return fallback ? pending.catch(fallback) : pending;
  }

  /** The error a call gets while the circuit does not admit calls. */
  openError(): RediskitCircuitOpenError {
    return new RediskitCircuitOpenError(this.name);
  }

  /** A call succeeded (or Redis answered with an error: it is up). */
  recordSuccess(): void {
    if (this.failures !== 0 && this.current === 'closed') this.failures = 0;
  }

  /** A call failed; transport failures and timeouts count towards opening the circuit. */
  recordFailure(error: unknown): void {
    if (!isTransportFailure(error)) return this.recordSuccess();
    if (this.current !== 'closed' || ++this.failures < this.threshold) return;
    this.transition('open');
    this.scheduleProbe();
  }

  /** The connection is ready again: probe now rather than at the next interval. */
  nudge(): void {
    if (this.current === 'open') this.probeNow();
  }

  /** Holds the circuit open until {@link close} (maintenance, tests); no probes. */
  open(): void {
    this.stopProbing();
    this.transition('isolated');
  }

  /** Closes the circuit now, forgetting past failures. */
  close(): void {
    this.failures = 0;
    this.stopProbing();
    this.transition('closed');
  }

  /** Same as {@link close}. */
  reset(): void {
    this.close();
  }

  /** Stops probing for good (the connection is closing). */
  dispose(): void {
    this.stopProbing();
    this.events.removeAllListeners();
  }

  /** Called with the new state on every change. Returns a function that unsubscribes. */
  onStateChange(listener: (state: CircuitStateName) => void): () => void {
    this.events.on('state', listener);
    return () => this.events.off('state', listener);
  }

  private scheduleProbe(): void {
    clearTimeout(this.probeTimer);
    const jittered = this.probeEveryMs * (0.75 + Math.random() * 0.5);
    this.probeTimer = setTimeout(() => this.probeNow(), jittered);
    this.probeTimer.unref();
  }

  private probeNow(): void {
    if (this.probing || this.current !== 'open') return;
    clearTimeout(this.probeTimer);
    this.probing = true;
    this.transition('half-open');
    this.probe().then(
      () => {
        this.probing = false;
        if (this.current === 'half-open') this.close();
      },
      () => {
        this.probing = false;
        if (this.current !== 'half-open') return;
        this.transition('open');
        this.scheduleProbe();
      },
    );
  }

  private stopProbing(): void {
    clearTimeout(this.probeTimer);
    this.probeTimer = undefined;
  }

  private transition(state: CircuitStateName): void {
    if (this.current === state) return;
    this.current = state;
    this.events.emit('state', state);
  }
}
