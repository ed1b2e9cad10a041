import calculateSlot from 'cluster-key-slot';
import type { RedisClient } from '../connection/client.factory.js';
import { settle, TickBatcher, type Waiting } from './tick-batcher.js';
import { runBatchScript, type BatchScript } from './batch-script.js';
import type { ScriptArg } from './script-runner.js';

/** Where a batcher sends its scripts: a `RedisConnection`, or a feature's own guarded client. */
export interface BatchTarget {
  readonly isCluster: boolean;
  /** Runs `fn` within `budget` ms (undefined: the target's default). */
  run<T>(fn: (client: RedisClient) => Promise<T>, budget?: number): Promise<T>;
  /** The Redis time by which a script sent now within `budget` ms must have run. */
  deadline(budget?: number): number;
}

interface Entry {
  keys: string[];
  args: ScriptArg[];
}

/**
 * Sends the calls of one script made in the same tick as one EVALSHA (one per cluster slot: a
 * cluster runs a script on one node, with every key in one slot); under load most of a small
 * script's cost is ioredis' per-command work. Entries are independent: the script handles
 * each on its own, so one caller's outcome never depends on another's.
 *
 * The script returns `width` values per entry, in entry order; a caller gets its one value
 * (width 1) or its slice of `width` values.
 */
export class ScriptBatcher<R = number> {
  private readonly batches: TickBatcher<number, Entry, R>;
  private readonly width: number;

  constructor(
    private readonly target: BatchTarget,
    private readonly script: BatchScript,
    // maxEntries bounds how long one script call holds Redis; budget is each call's time budget;
    // `alone` sends a batch of one entry instead of the script (a plain command costs Redis less).
    private readonly options: { width?: number; maxEntries?: number; budget?: number; alone?: (keys: string[], args: ScriptArg[]) => Promise<R> } = {},
  ) {
    this.width = options.width ?? 1;
    this.batches = new TickBatcher((_slot, batch) => this.send(batch), { maxItems: options.maxEntries ?? 128 });
  }

  /** Queues one entry; resolves with the script's reply for it. */
  call(keys: string[], args: ScriptArg[]): Promise<R> {
    return this.batches.add(this.target.isCluster ? calculateSlot(keys[0]) : 0, { keys, args });
  }

  private send(batch: Waiting<Entry, R>[]): void {
    let { keys, args } = batch[0].item;
    const alone = this.options.alone;
    if (batch.length === 1 && alone) return settle(batch, alone(keys, args), (reply) => reply);
    if (batch.length > 1) {
      keys = [];
      args = [];
      for (const { item } of batch) {
        for (const k of item.keys) keys.push(k);
        for (const a of item.args) args.push(a);
      }
    }
    if (this.script.deadline) args = [...args, this.target.deadline(this.options.budget)];
    const w = this.width;
    const replies = this.target.run((redis) => runBatchScript<unknown[]>(redis, this.script, keys, args), this.options.budget);
    settle(batch, replies, (r, i) => (w === 1 ? r[i] : r.slice(i * w, i * w + w)) as R);
  }
}
