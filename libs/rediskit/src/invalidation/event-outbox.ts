import { INVALIDATION_DEFAULTS } from './invalidation.settings.js';

/** An event on its way to the stream. */
export interface OutgoingEvent {
  name: string;
  /** The payload as JSON. */
  payload: string;
}

interface Queued extends OutgoingEvent {
  seq: number;
}

/** What the outbox needs from its owner. */
export interface OutboxHooks {
  /** Appends the events, in order, all or none; rejects when Redis cannot be reached. */
  append(events: OutgoingEvent[]): Promise<unknown>;
  /** The queue's length changed. */
  sized(length: number): void;
  /** An append failed (it is retried). */
  failed(error: unknown): void;
  /** The queue was full: this many oldest events were dropped. */
  dropped(count: number): void;
}

/**
 * Events waiting to be appended to the stream, in the order they were emitted: the backlog
 * that keeps events emitted while Redis is unreachable. One append runs at a time, the oldest
 * events first, so the stream gets each instance's events in emit order. A failed append is
 * retried with backoff (and at once when the connection says it is ready); beyond `max`
 * events the oldest are dropped (counted). An event is removed only after Redis accepted it:
 * at least once (an append whose reply was lost is sent again).
 */
export class EventOutbox {
  private readonly queue: Queued[] = [];
  private seq = 0;
  private flushing?: Promise<void>;
  private retryTimer?: NodeJS.Timeout;
  private retryDelay: number = INVALIDATION_DEFAULTS.retryDelay;
  private closed = false;

  constructor(
    private readonly max: number,
    private readonly hooks: OutboxHooks,
  ) {}

  get length(): number {
    return this.queue.length;
  }

  /** Queues `event` (dropping the oldest when full); returns its sequence number. */
  push(event: OutgoingEvent): number {
    const seq = ++this.seq;
    this.queue.push({ ...event, seq });
    if (this.queue.length > this.max) {
      const dropped = this.queue.length - this.max;
      this.queue.splice(0, dropped);
      this.hooks.dropped(dropped);
    }
    this.hooks.sized(this.queue.length);
    return seq;
  }

  /** True once the event `seq` was appended (or dropped). */
  sent(seq: number): boolean {
    return this.queue.length === 0 || this.queue[0].seq > seq;
  }

  /** Appends what is queued; settles when the queue is empty or an append failed (never rejects). */
  flush(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.flushing ??= this.drain().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  /** Stops retrying (what is queued stays unsent). */
  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
  }

  private async drain(): Promise<void> {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    while (this.queue.length > 0 && !this.closed) {
      const batch = this.queue.slice(0, INVALIDATION_DEFAULTS.batch);
      try {
        await this.hooks.append(batch.map(({ name, payload }) => ({ name, payload })));
      } catch (error) {
        this.hooks.failed(error);
        this.scheduleRetry();
        return;
      }
      // Drops may have shifted the queue meanwhile: remove by sequence number.
      const last = batch[batch.length - 1].seq;
      const sent = this.queue.findIndex((e) => e.seq > last);
      this.queue.splice(0, sent === -1 ? this.queue.length : sent);
      this.hooks.sized(this.queue.length);
      this.retryDelay = INVALIDATION_DEFAULTS.retryDelay;
    }
  }

  private scheduleRetry(): void {
    if (this.closed || this.retryTimer) return;
    this.retryTimer = setTimeout(() => void this.flush(), this.retryDelay);
    this.retryTimer.unref();
    this.retryDelay = Math.min(this.retryDelay * 2, INVALIDATION_DEFAULTS.maxRetryDelay);
  }
}
