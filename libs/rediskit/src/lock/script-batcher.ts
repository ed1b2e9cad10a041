import calculateSlot from 'cluster-key-slot';
import type { RedisConnection } from '../connection/redis-connection.js';
import { runBatchScript, type BatchScript } from './lock-script.js';

interface Entry {
  keys: string[];
  args: (string | number)[];
  resolve: (reply: number) => void;
  reject: (error: unknown) => void;
}

/**
 * Coalesces the calls of one script made in the same tick into one EVALSHA (one per cluster
 * slot), the way ioredis' auto-pipelining coalesces commands: each caller still waits one
 * round trip, while the client and Redis handle one command instead of many — under load
 * most of a lock operation's cost is ioredis' per-command work. Entries are independent: the
 * script handles each on its own, so one caller's outcome never depends on another's.
 * The flush runs on `process.nextTick`, before auto-pipelining's `setImmediate`, so batching
 * adds no latency.
 */
export class ScriptBatcher {
  private queue: Entry[] = [];
  private scheduled = false;

  constructor(
    private readonly connection: RedisConnection,
    private readonly script: BatchScript,
    /** Entries per script call at most: bounds how long one call holds Redis. */
    private readonly maxEntries = 128,
  ) {}

  /** Queues one entry; resolves with the script's reply for it. */
  call(keys: string[], args: (string | number)[]): Promise<number> {
    return new Promise((resolve, reject) => {
      this.queue.push({ keys, args, resolve, reject });
      if (this.queue.length >= this.maxEntries) this.flush();
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
    if (!this.connection.isCluster || entries.length === 1) return this.send(entries);
    // A cluster runs a script on one node, with every key in one slot.
    const bySlot = new Map<number, Entry[]>();
    for (const entry of entries) {
      const slot = calculateSlot(entry.keys[0]);
      const group = bySlot.get(slot);
      if (group) group.push(entry);
      else bySlot.set(slot, [entry]);
    }
    for (const group of bySlot.values()) this.send(group);
  };

  private send(entries: Entry[]): void {
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
    runBatchScript<number[]>(this.connection, this.script, keys, args).then(
      (replies) => {
        for (let i = 0; i < entries.length; i++) entries[i].resolve(replies[i]);
      },
      (error: unknown) => {
        for (const entry of entries) entry.reject(error);
      },
    );
  }
}
