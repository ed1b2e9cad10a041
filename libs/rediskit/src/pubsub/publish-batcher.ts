import { settle, TickBatcher } from '../scripts/tick-batcher.js';
import { encodeBatch } from './pubsub.envelope.js';

/** A text message and its size in bytes (UTF-8). */
interface Queued {
  text: string;
  bytes: number;
}

/**
 * Sends the text messages published on one channel in the same tick as one PUBLISH (a batch,
 * see `encodeBatch`): Redis and every subscriber handle one message instead of many. A batch
 * holds at most `maxMessages`, and is sent once it holds about `maxLength` bytes, so a
 * subscriber stays far below Redis' pub/sub output buffer limit; it is never larger than
 * `maxBytes` (`pubsub.maxMessageSize`): a message that would take it over starts the next
 * batch. Binary messages (msgpack, typed or compressed bodies) go alone, after what is queued
 * for their channel: order per channel is kept.
 */
export class PublishBatcher {
  private readonly batches: TickBatcher<string, Queued, number>;

  constructor(
    /** Sends one payload; resolves with the number of subscribers Redis delivered it to. */
    private readonly send: (channel: string, payload: Buffer | string) => Promise<number>,
    maxMessages = 128,
    maxLength = 64 * 1024,
    maxBytes = Infinity,
  ) {
    this.batches = new TickBatcher(
      (channel, batch) => {
        const payload = batch.length === 1 ? batch[0].item.text : encodeBatch(batch.map((w) => w.item.text));
        settle(batch, this.send(channel, payload), (receivers) => receivers);
      },
      // A batch is "*\n" + messages joined by "\n": 1 + the sum of (bytes + 1) over its messages.
      { maxItems: maxMessages, maxSize: maxLength, maxTotal: maxBytes - 1, sizeOf: (message) => message.bytes + 1 },
    );
  }

  /** Queues `message` (`bytes` long once encoded, already checked against the maximum). */
  publish(channel: string, message: Buffer | string, bytes = byteLength(message)): Promise<number> {
    if (typeof message === 'string') return this.batches.add(channel, { text: message, bytes });
    this.batches.sendNow(channel);
    return this.send(channel, message);
  }
}

/** The size of a message on the wire. */
export function byteLength(message: Buffer | string): number {
  return typeof message === 'string' ? Buffer.byteLength(message) : message.length;
}
