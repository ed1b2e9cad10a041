import { ExponentialBackoff, handleAll, retry, type RetryPolicy } from 'cockatiel';
import type { MetricsService } from '../metrics/metrics.service.js';
import type { PersistFn } from './cache.options.js';
import type { WriteBehindSettings } from './cache.settings.js';
import { RediskitLogger } from '../context/rediskit-logger.js';

/** One queued write. */
export interface BehindWrite {
  key: string;
  namespace: string;
  value: unknown;
}

/** Counters of the write-behind queue. */
export interface WriteBehindStats {
  queued: number;
  persisted: number;
  /** Entries given up after every retry failed. */
  failed: number;
  retries: number;
}

/**
 * Write-behind: `setBehind` writes the cache at once and queues the value for a persist
 * function (your database), called with batches. Writes to one key coalesce (the latest wins).
 * A failed batch is retried with exponential backoff; a batch that still fails is counted and
 * logged, then queued again unless newer values replaced it or the queue is full. Shutdown
 * flushes everything that is queued, so nothing queued is lost on a graceful shutdown.
 * A full queue makes `setBehind` wait for a flush (back-pressure), never grow without bound.
 */
export class WriteBehindQueue {
  private pending = new Map<string, BehindWrite>();
  private running?: Promise<void>;
  private readonly timer: NodeJS.Timeout;
  private readonly policy: RetryPolicy;
  private readonly logger = new RediskitLogger('CacheWriteBehind');
  private readonly counters: WriteBehindStats = { queued: 0, persisted: 0, failed: 0, retries: 0 };
  private readonly metric;
  private closing = false;
  private readonly persist: PersistFn;
  private readonly batchSize: number;
  private readonly maxQueue: number;

  constructor(options: WriteBehindSettings, metrics: MetricsService) {
    this.persist = options.persist;
    this.batchSize = options.batchSize;
    this.maxQueue = options.maxQueue;
    this.policy = retry(handleAll, { maxAttempts: options.retries, backoff: new ExponentialBackoff({ initialDelay: 50, maxDelay: 5000 }) });
    this.policy.onRetry(() => this.counters.retries++);
    this.metric = metrics.counter('cache_write_behind_total', 'Write-behind entries by outcome (queued, persisted, failed)', ['outcome']);
    this.timer = setInterval(() => void this.flush(), options.flushInterval);
    this.timer.unref();
  }

  async enqueue(write: BehindWrite): Promise<void> {
    while (this.pending.size >= this.maxQueue && !this.pending.has(id(write))) await this.flush();
    this.pending.set(id(write), write);
    this.counters.queued++;
    this.metric.inc({ outcome: 'queued' });
    if (this.pending.size >= this.batchSize) void this.flush();
  }

  /** Persists everything queued now (one flush at a time); resolves when the queue was drained once. */
  flush(): Promise<void> {
    if (!this.running) {
      this.running = this.drain().finally(() => {
        this.running = undefined;
      });
    }
    return this.running;
  }

  /** Flushes until nothing is queued (failed batches are retried, then counted), stops the timer. */
  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.timer);
    while (this.pending.size > 0 || this.running) await this.flush();
  }

  get size(): number {
    return this.pending.size;
  }

  stats(): WriteBehindStats {
    return { ...this.counters };
  }

  private async drain(): Promise<void> {
    while (this.pending.size > 0) {
      const batch: BehindWrite[] = [];
      for (const [k, w] of this.pending) {
        batch.push(w);
        this.pending.delete(k);
        if (batch.length >= this.batchSize) break;
      }
      try {
        await this.policy.execute(() => this.persist(batch));
        this.counters.persisted += batch.length;
        this.metric.inc({ outcome: 'persisted' }, batch.length);
      } catch (error) {
        this.counters.failed += batch.length;
        this.metric.inc({ outcome: 'failed' }, batch.length);
        this.logger.error(`write-behind: ${batch.length} entries not persisted after retries: ${(error as Error).message}`);
        if (this.closing) continue;
        // Back in the queue (unless replaced by a newer value or the queue is full); next flush retries.
        for (const w of batch) if (!this.pending.has(id(w)) && this.pending.size < this.maxQueue) this.pending.set(id(w), w);
        return;
      }
    }
  }
}

function id(w: BehindWrite): string {
  return `${w.namespace}\u0000${w.key}`;
}
