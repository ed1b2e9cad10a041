import calculateSlot from 'cluster-key-slot';
import type { RedisClient } from '../connection/client.factory.js';
import { runBatchScript, type BatchScript } from './batch-script.js';
import type { ScriptArg } from './script-runner.js';

/** Where a batcher sends its scripts: a `RedisConnection`, or a feature's own guarded client. */
export interface BatchTarget {
  readonly isCluster: boolean;
  run<T>(fn: (client: RedisClient) => Promise<T>): Promise<T>;
}

interface Entry<R> {
  keys: string[];
  args: ScriptArg[];
  resolve: (reply: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Coalesces the calls of one script made in the same tick into one EVALSHA (one per cluster
 * slot), the way ioredis' auto-pipelining coalesces commands: each caller still waits one
 * round trip, while the client and Redis handle one command instead of many — under load
 * most of a small script's cost is ioredis' per-command work. Entries are independent: the
 * script handles each on its own, so one caller's outcome never depends on another's.
 * The flush runs on `process.nextTick`, before auto-pipelining's `setImmediate`, so batching
 * adds no latency.
 *
 * The script returns `width` values per entry, in entry order; a caller gets its one value
 * (width 1) or its slice of `width` values.
 */
export class ScriptBatcher<R = number> {
  private queue: Entry<R>[] = [];
  private scheduled = false;

  constructor(
    private readonly target: BatchTarget,
    private readonly script: BatchScript,
    private readonly options: { width?: number; maxEntries?: number } = {},
  ) {}

  /** Queues one entry; resolves with the script's reply for it. */
  call(keys: string[], args: ScriptArg[]): Promise<R> {
    return new Promise((resolve, reject) => {
      this.queue.push({ keys, args, resolve, reject });
      // Entries per script call at most: bounds how long one call holds Redis.
      if (this.queue.length >= (this.options.maxEntries ?? 128)) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        process.nextTick(this.flush);
      }
    });
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    const entries = this.queue;
    if (entries.length === 0) return;
    this.queue = [];
    if (!this.target.isCluster || entries.length === 1) return this.send(entries);
    // A cluster runs a script on one node, with every key in one slot.
    const bySlot = new Map<number, Entry<R>[]>();
    for (const entry of entries) {
      const slot = calculateSlot(entry.keys[0]);
      const group = bySlot.get(slot);
      if (group) group.push(entry);
      else bySlot.set(slot, [entry]);
    }
    for (const group of bySlot.values()) this.send(group);
  };

  private send(entries: Entry<R>[]): void {
    let keys = entries[0].keys;
    let args = entries[0].args;
    if (entries.length > 1) {
      keys = [];
      args = [];
      for (const entry of entries) {
        for (const k of entry.keys) keys.push(k);
        for (const a of entry.args) args.push(a);
      }
    }
    const width = this.options.width ?? 1;
    this.target.run((redis) => runBatchScript<unknown[]>(redis, this.script, keys, args)).then(
      (replies) => {
        for (let i = 0; i < entries.length; i++) entries[i].resolve((width === 1 ? replies[i] : replies.slice(i * width, i * width + width)) as R);
      },
      (error: unknown) => {
        for (const entry of entries) entry.reject(error);
      },
    );
  }
}
