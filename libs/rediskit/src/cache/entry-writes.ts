import calculateSlot from 'cluster-key-slot';
import type { RedisConnection } from '../connection/redis-connection.js';
import { runBatchScript } from '../scripts/batch-script.js';
import { settle, TickBatcher, type Waiting } from '../scripts/tick-batcher.js';
import { writeEntriesScript } from './cache-write-entries.lua.js';

interface EntryWrite {
  key: string;
  bytes: Buffer;
  retain: number;
}

/**
 * The cache's SETs of one tick, sent as one script call per cluster slot (a lone write is a
 * plain SET): under concurrency most of a SET's cost is the client's per-command work, paid
 * once per batch this way. Each entry is set on its own, as pipelined SETs would be.
 */
export class EntryWrites {
  private readonly batches: TickBatcher<number, EntryWrite, unknown>;

  constructor(
    private readonly connection: RedisConnection,
    private readonly budget: number,
    // Bounds one command's size and the time it holds Redis.
    maxEntries = 64,
  ) {
    this.batches = new TickBatcher((_slot, batch) => this.send(batch), { maxItems: maxEntries });
  }

  /** SET `key` to `bytes`, kept `retain` ms. */
  write(key: string, bytes: Buffer, retain: number): Promise<unknown> {
    return this.batches.add(this.connection.isCluster ? calculateSlot(key) : 0, { key, bytes, retain: Math.ceil(retain) });
  }

  private send(batch: Waiting<EntryWrite, unknown>[]): void {
    if (batch.length === 1) {
      const { key, bytes, retain } = batch[0].item;
      settle(batch, this.connection.run((c) => c.set(key, bytes, 'PX', retain), this.budget), (reply) => reply);
      return;
    }
    const keys: string[] = [];
    const args: (Buffer | number)[] = [];
    for (const { item } of batch) {
      keys.push(item.key);
      args.push(item.bytes, item.retain);
    }
    settle(batch, this.connection.run((c) => runBatchScript(c, writeEntriesScript, keys, args), this.budget), () => 1);
  }
}
