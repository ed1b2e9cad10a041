import { settle, TickBatcher } from '../connection/tick-batcher.js';
import { encodeBatch } from './pubsub.envelope.js';

/**
 * Sends the text messages published on one channel in the same tick as one PUBLISH (a batch,
 * see `encodeBatch`): Redis and every subscriber handle one message instead of many. A batch
 * holds at most `maxMessages`, or about `maxLength` characters, so a subscriber stays far below
 * Redis' pub/sub output buffer limit. Binary messages (msgpack, typed or compressed bodies) go
 * alone, after what is queued for their channel: order per channel is kept.
 */
export class PublishBatcher {
  private readonly batches: TickBatcher<string, string, number>;

  constructor(
    /** Sends one payload; resolves with the number of subscribers Redis delivered it to. */
    private readonly send: (channel: string, payload: Buffer | string) => Promise<number>,
    maxMessages = 128,
    maxLength = 64 * 1024,
  ) {
    this.batches = new TickBatcher(
      (channel, batch) => {
        const payload = batch.length === 1 ? batch[0].item : encodeBatch(batch.map((w) => w.item));
        settle(batch, this.send(channel, payload), (receivers) => receivers);
      },
      { maxItems: maxMessages, maxSize: maxLength, sizeOf: (message) => message.length },
    );
  }

  publish(channel: string, message: Buffer | string): Promise<number> {
    if (typeof message === 'string') return this.batches.add(channel, message);
    this.batches.sendNow(channel);
    return this.send(channel, message);
  }
}
