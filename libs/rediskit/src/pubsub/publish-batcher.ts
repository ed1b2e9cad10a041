import type { BoundCounter } from '../metrics/metrics.service.js';
import { settle, TickBatcher } from '../scripts/tick-batcher.js';
import { encodeBatch } from './pubsub.envelope.js';

/** How a publish ended, counted (so no promise is chained per message to count it). */
export interface PublishOutcomes {
  sent: BoundCounter;
  failed: BoundCounter;
}

const UNCOUNTED: PublishOutcomes = { sent: { inc() {} }, failed: { inc() {} } };

/** A text message, its size in bytes (UTF-8) and where its outcome is counted. */
interface Queued {
  text: string;
  bytes: number;
  outcomes: PublishOutcomes;
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
        const pending = this.send(channel, payload);
        countOutcomes(pending, batch.map((w) => w.item.outcomes));
        settle(batch, pending, (receivers) => receivers);
      },
      // A batch is "*\n" + messages joined by "\n": 1 + the sum of (bytes + 1) over its messages.
      { maxItems: maxMessages, maxSize: maxLength, maxTotal: maxBytes - 1, sizeOf: (message) => message.bytes + 1 },
    );
  }

  /** Queues `message` (`bytes` long once encoded, already checked against the maximum); counts its outcome in `outcomes`. */
  publish(channel: string, message: Buffer | string, bytes = byteLength(message), outcomes: PublishOutcomes = UNCOUNTED): Promise<number> {
    if (typeof message === 'string') return this.batches.add(channel, { text: message, bytes, outcomes });
    this.batches.sendNow(channel);
    const pending = this.send(channel, message);
    countOutcomes(pending, [outcomes]);
    return pending;
  }
}

/** Counts how the publishes sent as `pending` ended; registered before their publishers are answered, so counted first. */
function countOutcomes(pending: Promise<number>, outcomes: PublishOutcomes[]): void {
  pending.then(
    () => outcomes.forEach((o) => o.sent.inc()),
    () => outcomes.forEach((o) => o.failed.inc()),
  );
}

/** The size of a message on the wire. */
export function byteLength(message: Buffer | string): number {
  return typeof message === 'string' ? Buffer.byteLength(message) : message.length;
}
