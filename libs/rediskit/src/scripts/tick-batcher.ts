/** A queued call: its input and how to answer its caller. */
export interface Waiting<T, R> {
  readonly item: T;
  resolve(reply: R): void;
  reject(error: unknown): void;
}

interface Group<T, R> {
  waiting: Waiting<T, R>[];
  size: number;
}

/** When a group is sent before the tick ends. */
export interface BatchLimits<T> {
  /** Calls per batch at most. */
  maxItems: number;
  /** With `sizeOf`: a batch is sent once its items add up to this much. */
  maxSize?: number;
  /**
   * With `sizeOf`: a batch's items never add up to more; an item that would take a batch
   * over it is queued in a new batch after the queued one is sent (alone, it may exceed it).
   */
  maxTotal?: number;
  sizeOf?: (item: T) => number;
}

/**
 * Coalesces the calls made in the same tick into one batch per group (a cluster slot, a
 * channel), the way ioredis' auto-pipelining coalesces commands: each caller still waits one
 * round trip, while the client and Redis handle one command instead of many. Batches are sent
 * on `process.nextTick` and, off a cluster, sent at once (`sendNow`, not auto-pipelining's
 * `setImmediate`), so batching adds no latency; a group that reaches its limits is sent at once.
 */
export class TickBatcher<G, T, R> {
  private groups = new Map<G, Group<T, R>>();
  private scheduled = false;

  constructor(
    /** Sends one group's batch and settles every caller in it (see {@link settle}). */
    private readonly send: (group: G, batch: Waiting<T, R>[]) => void,
    private readonly limits: BatchLimits<T>,
  ) {}

  add(group: G, item: T): Promise<R> {
    return new Promise((resolve, reject) => {
      const { maxItems, maxSize, maxTotal, sizeOf } = this.limits;
      const size = sizeOf ? sizeOf(item) : 0;
      let queued = this.groups.get(group);
      if (queued && maxTotal !== undefined && queued.size + size > maxTotal) {
        this.sendNow(group);
        queued = undefined;
      }
      if (!queued) this.groups.set(group, (queued = { waiting: [], size: 0 }));
      queued.waiting.push({ item, resolve, reject });
      queued.size += size;
      if (queued.waiting.length >= maxItems || (maxSize !== undefined && queued.size >= maxSize)) this.sendNow(group);
      else if (!this.scheduled) {
        this.scheduled = true;
        process.nextTick(this.flush);
      }
    });
  }

  /** Sends what is queued for `group` now (e.g. before a call that must come after it). */
  sendNow(group: G): void {
    const queued = this.groups.get(group);
    if (!queued) return;
    this.groups.delete(group);
    this.send(group, queued.waiting);
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    for (const group of this.groups.keys()) this.sendNow(group); // deleting the visited key is safe
  };
}

/** Answers every caller of a batch from its one reply (`answer` picks caller i's part), or fails them all. */
export function settle<T, R, X>(batch: Waiting<T, R>[], pending: Promise<X>, answer: (reply: X, i: number) => R): void {
  pending.then(
    (reply) => {
      for (let i = 0; i < batch.length; i++) batch[i].resolve(answer(reply, i));
    },
    (error: unknown) => {
      for (const w of batch) w.reject(error);
    },
  );
}
