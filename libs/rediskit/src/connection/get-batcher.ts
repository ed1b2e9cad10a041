import calculateSlot from 'cluster-key-slot';
import { settle, TickBatcher, type Waiting } from '../scripts/tick-batcher.js';
import type { RedisConnection } from './redis-connection.js';
import { sendNow } from '../scripts/send-now.js';

/**
 * Coalesces the GETs made in the same tick into one MGET per cluster slot (a lone GET is sent
 * as it is). Under concurrency most of a GET's cost is the client's per-command work (a
 * command object, its promise, a pipeline slot, a reply callback) and the call budget's
 * timer; batched, they are paid once per round trip instead of once per key, and each caller
 * still waits one round trip. The batch runs within `budget` like any call of the connection.
 */
export class GetBatcher {
  private readonly batches: TickBatcher<number, string, Buffer | null>;

  constructor(
    private readonly connection: RedisConnection,
    private readonly budget: number,
    // Bounds one reply: a batch of large values is sent before it grows further.
    maxKeys = 128,
  ) {
    this.batches = new TickBatcher((_slot, batch) => this.send(batch), { maxItems: maxKeys });
  }

  /**
   * The value of `key` as bytes, or null when it does not exist. A key of another type fails
   * a lone GET (WRONGTYPE) and reads as null in an MGET.
   */
  get(key: string): Promise<Buffer | null> {
    return this.batches.add(this.connection.isCluster ? calculateSlot(key) : 0, key);
  }

  private send(batch: Waiting<string, Buffer | null>[]): void {
    if (batch.length === 1) {
      const only = batch[0];
      settle(batch, this.connection.run((c) => sendNow<Buffer | null>(c, 'get', [only.item], true), this.budget), (value) => value);
      return;
    }
    const keys = batch.map((w) => w.item);
    settle(batch, this.connection.run((c) => sendNow<(Buffer | null)[]>(c, 'mget', keys, true), this.budget), (values, i) => values[i]);
  }
}
