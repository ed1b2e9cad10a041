import { encodeBatch } from './pubsub.envelope.js';

interface Queue {
  messages: string[];
  /** Characters queued: a batch stays small next to Redis' pub/sub output buffer limits. */
  length: number;
  waiters: { resolve: (receivers: number) => void; reject: (error: unknown) => void }[];
}

/**
 * Coalesces the text messages published on one channel in the same tick into one PUBLISH (a
 * batch, see `encodeBatch`), the way ioredis' auto-pipelining coalesces commands: each
 * publisher still waits one round trip, while the client, Redis and every subscriber handle
 * one message instead of many. The flush runs on `process.nextTick`, before auto-pipelining's
 * `setImmediate`, so batching adds no latency. Binary messages (msgpack, typed or compressed
 * bodies) go alone, after what is queued for their channel: order per channel is kept.
 */
export class PublishBatcher {
  private queues = new Map<string, Queue>();
  private scheduled = false;

  constructor(
    /** Sends one payload; resolves with the number of subscribers Redis delivered it to. */
    private readonly send: (channel: string, payload: Buffer | string) => Promise<number>,
    /** A batch is sent once it holds this many messages... */
    private readonly maxMessages = 128,
    /** ...or once it holds this many characters (so it passes the bound by one message at most). */
    private readonly maxLength = 64 * 1024,
  ) {}

  publish(channel: string, message: Buffer | string): Promise<number> {
    if (typeof message !== 'string') {
      this.sendQueued(channel);
      return this.send(channel, message);
    }
    return new Promise((resolve, reject) => {
      let queue = this.queues.get(channel);
      if (!queue) this.queues.set(channel, (queue = { messages: [], length: 0, waiters: [] }));
      queue.messages.push(message);
      queue.length += message.length;
      queue.waiters.push({ resolve, reject });
      if (queue.messages.length >= this.maxMessages || queue.length >= this.maxLength) this.sendQueued(channel);
      else if (!this.scheduled) {
        this.scheduled = true;
        process.nextTick(this.flush);
      }
    });
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    for (const channel of this.queues.keys()) this.sendQueued(channel); // deleting the visited key is safe
  };

  private sendQueued(channel: string): void {
    const queue = this.queues.get(channel);
    if (!queue) return;
    this.queues.delete(channel);
    const { messages, waiters } = queue;
    this.send(channel, messages.length === 1 ? messages[0] : encodeBatch(messages)).then(
      (receivers) => {
        for (const w of waiters) w.resolve(receivers);
      },
      (error: unknown) => {
        for (const w of waiters) w.reject(error);
      },
    );
  }
}
