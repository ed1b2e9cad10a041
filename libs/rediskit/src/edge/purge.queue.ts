import type { Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { RediskitEdgePurgeError } from '../errors.js';
import type { EdgePurgeAdapter } from './edge.adapter.js';
import type { EdgeMetrics } from './edge.metrics.js';
import { retryDelay } from './retry-delay.js';

/** The queue's settings, in ms where durations. */
export interface PurgeQueueSettings {
  maxQueue: number;
  attempts: number;
  minDelay: number;
  maxDelay: number;
  timeout: number;
}

/**
 * The tags waiting to be purged, and the one loop that sends them. Tags handed over in the same
 * tick leave together, split into batches of the adapter's `maxTagsPerRequest`; a tag already
 * waiting is not queued twice; one request is in flight at a time, so a slow or failing CDN is
 * never flooded: while it retries, new tags wait (and merge) here. The queue is bounded: beyond
 * `maxQueue` tags, new ones are dropped and counted, so a CDN down for an hour costs a bounded
 * amount of memory. A pending purge-all makes every waiting and new tag redundant.
 */
export class PurgeQueue {
  private readonly waiting = new Set<string>();
  private purgeAllWaiting = false;
  private scheduled = false;
  private draining?: Promise<void>;
  private readonly stopping = new AbortController();

  constructor(
    private readonly adapter: EdgePurgeAdapter,
    private readonly settings: PurgeQueueSettings,
    private readonly metrics: EdgeMetrics,
    private readonly logger: Logger,
  ) {}

  /** Tags waiting now. */
  get size(): number {
    return this.waiting.size;
  }

  addTags(tags: readonly string[]): void {
    if (this.stopping.signal.aborted) return this.metrics.tag('dropped', tags.length);
    if (this.purgeAllWaiting) return this.metrics.tag('deduplicated', tags.length);
    let deduplicated = 0;
    let dropped = 0;
    for (const tag of tags) {
      if (this.waiting.has(tag)) deduplicated++;
      else if (this.waiting.size >= this.settings.maxQueue) dropped++;
      else this.waiting.add(tag);
    }
    this.metrics.tag('deduplicated', deduplicated);
    this.metrics.tag('dropped', dropped);
    if (dropped) this.logger.warn(`Edge purge queue full (${this.settings.maxQueue} tags): ${dropped} tag(s) dropped`);
    this.changed();
  }

  addPurgeAll(): void {
    if (this.stopping.signal.aborted) return;
    this.purgeAllWaiting = true;
    this.metrics.tag('deduplicated', this.waiting.size);
    this.waiting.clear();
    this.changed();
  }

  /** Resolves once everything queued before the call (and since) was sent or given up. */
  async flush(): Promise<void> {
    while (this.draining || this.scheduled) {
      await (this.draining ?? new Promise((resolve) => process.nextTick(resolve)));
    }
  }

  /** Sends what is queued within `budget` ms, then aborts; what is left is counted as dropped. */
  async close(budget: number): Promise<void> {
    const timer = sleep(budget, undefined, { ref: false }).catch(() => undefined);
    await Promise.race([this.flush(), timer]);
    this.stopping.abort();
    await this.draining?.catch(() => undefined);
    this.metrics.tag('dropped', this.waiting.size);
    this.waiting.clear();
    this.metrics.queue.set(0);
  }

  private changed(): void {
    this.metrics.queue.set(this.waiting.size);
    if (this.scheduled || this.draining) return;
    this.scheduled = true;
    // Everything handed over in this tick joins the first batch.
    process.nextTick(() => {
      this.scheduled = false;
      this.draining = this.drain().finally(() => {
        this.draining = undefined;
        // Tags handed over between the loop's last look and now.
        if ((this.waiting.size || this.purgeAllWaiting) && !this.stopping.signal.aborted) this.changed();
      });
    });
  }

  private async drain(): Promise<void> {
    while (!this.stopping.signal.aborted) {
      if (this.purgeAllWaiting) {
        this.purgeAllWaiting = false;
        await this.send(undefined);
        continue;
      }
      if (this.waiting.size === 0) return;
      const batch: string[] = [];
      for (const tag of this.waiting) {
        batch.push(tag);
        this.waiting.delete(tag);
        if (batch.length >= this.adapter.maxTagsPerRequest) break;
      }
      this.metrics.queue.set(this.waiting.size);
      await this.send(batch);
    }
  }

  /** One batch (undefined: purge-all) with its retries. */
  private async send(batch: string[] | undefined): Promise<void> {
    const { attempts, minDelay, maxDelay, timeout } = this.settings;
    for (let attempt = 1; ; attempt++) {
      const started = performance.now();
      try {
        await withTimeout(timeout, this.stopping.signal, (signal) => (batch ? this.adapter.purgeTags(batch, signal) : this.adapter.purgeAll(signal)));
        this.metrics.request('ok', (performance.now() - started) / 1000);
        this.metrics.tag('purged', batch?.length ?? 0);
        return;
      } catch (e) {
        const seconds = (performance.now() - started) / 1000;
        // A custom adapter's own errors count as "no answer": retried.
        const error = e instanceof RediskitEdgePurgeError ? e : new RediskitEdgePurgeError(this.adapter.name, (e as Error)?.message ?? String(e));
        if (!error.retryable || attempt >= attempts || this.stopping.signal.aborted) {
          this.metrics.request('failed', seconds);
          this.metrics.tag('failed', batch?.length ?? 0);
          const what = batch ? `${batch.length} tag(s)` : 'purge-all';
          this.logger.warn(`Edge purge of ${what} given up after ${attempt} tr${attempt === 1 ? 'y' : 'ies'}: ${error.message}`);
          return;
        }
        this.metrics.request('retried', seconds);
        await sleep(retryDelay(attempt, minDelay, maxDelay, error.retryAfterMs), undefined, { signal: this.stopping.signal }).catch(() => undefined);
      }
    }
  }
}

/**
 * Runs `request` with a signal that aborts after `ms` or when `stopping` does. The timer is our
 * own: on Node 20 an `AbortSignal.timeout` inside `AbortSignal.any` can be garbage-collected
 * before it fires (nodejs/node#57736), and a CDN that never answers then held the queue forever.
 */
async function withTimeout(ms: number, stopping: AbortSignal, request: (signal: AbortSignal) => Promise<void>): Promise<void> {
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')), ms);
  try {
    await request(AbortSignal.any([stopping, timeout.signal]));
  } finally {
    clearTimeout(timer);
  }
}
