import type { RedisConnection } from '../connection/redis-connection.js';
import type { RedisClient } from '../connection/client.factory.js';
import { INVALIDATION_DEFAULTS } from './invalidation.settings.js';

/** An entry of the event stream as read: its id and fields (`o` origin, `n` name, `p` payload). */
export interface StreamEntry {
  id: string;
  origin: string | undefined;
  name: string | undefined;
  payload: string | undefined;
}

/** What the reader needs from its owner. */
export interface ReaderHooks {
  /** Handles one entry; the next is read only after it settles (order is kept). */
  handle(entry: StreamEntry): Promise<void>;
  /** A read failed (retried with backoff). */
  failed(error: unknown): void;
  /** Entries after `lastId`, before `firstId` (the oldest left), were trimmed before this instance read them. */
  gap(lastId: string, firstId: string): void;
}

/**
 * Follows the event stream from one instance: XREAD BLOCK on a client of its own, from the
 * last id it handled, one entry after the other. The position lives in this process (no
 * consumer group: instances come and go, and each must see every event, so a group per
 * instance would only leave groups behind). After a failed read it reads on from the same id,
 * so what was appended meanwhile is not missed, unless the stream was trimmed past it (MAXLEN):
 * after a failed read or a full batch that is checked (the oldest entry left)
 * and reported as a gap.
 *
 * It starts from a little before this process' boot (clocks within `BOOT_MARGIN` of Redis'):
 * an event emitted by another instance while Redis was down, appended once Redis is back, has a
 * new id and is read whatever the order of boot and recovery.
 */
export class EventStreamReader {
  static readonly BOOT_MARGIN = 10_000;
  private lastId = `${Date.now() - EventStreamReader.BOOT_MARGIN}-0`;
  /** True once `lastId` is an entry this instance read (not its boot position). */
  private readAny = false;
  /** The position a gap was last reported after (reported once, however often the reads fail). */
  private gapAfter?: string;
  private client?: RedisClient;
  private stopped = false;
  private running?: Promise<void>;
  private wake?: () => void;

  constructor(
    private readonly connection: RedisConnection,
    private readonly stream: string,
    private readonly budget: number,
    private readonly hooks: ReaderHooks,
  ) {}

  /** Starts following (once). */
  start(): void {
    if (this.running || this.stopped) return;
    const block = INVALIDATION_DEFAULTS.readBlock;
    // A read blocks for `block` ms: the socket must not time out meanwhile.
    this.client = this.connection.open('invalidation', { enableAutoPipelining: false, socketTimeout: block + this.budget }).client;
    this.running = this.follow(this.client);
  }

  /** Stops after the read in flight (its entries are not handled). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    this.client?.disconnect();
    await this.running;
  }

  private async follow(client: RedisClient): Promise<void> {
    let delay: number = INVALIDATION_DEFAULTS.retryDelay;
    // After a failed read, or a full batch (this instance is behind), Redis may have trimmed
    // entries it has not read yet.
    let mayHaveGap = false;
    while (!this.stopped) {
      try {
        if (mayHaveGap) await this.checkGap(client);
        const entries = await this.read(client);
        for (const entry of entries) {
          if (this.stopped) return;
          await this.hooks.handle(entry);
          this.lastId = entry.id;
          this.readAny = true;
        }
        mayHaveGap = entries.length === INVALIDATION_DEFAULTS.batch;
        delay = INVALIDATION_DEFAULTS.retryDelay;
      } catch (error) {
        if (this.stopped) return;
        this.hooks.failed(error);
        mayHaveGap = true;
        await this.pause(delay);
        delay = Math.min(delay * 2, INVALIDATION_DEFAULTS.maxRetryDelay);
      }
    }
  }

  private async read(client: RedisClient): Promise<StreamEntry[]> {
    const block = INVALIDATION_DEFAULTS.readBlock;
    const reply = await this.connection.call(client, block + this.budget, (c) =>
      c.xread('COUNT', INVALIDATION_DEFAULTS.batch, 'BLOCK', block, 'STREAMS', this.stream, this.lastId),
    );
    const entries = reply?.[0]?.[1] ?? [];
    return entries.map(([id, fields]) => {
      const field = (name: string) => {
        const i = fields.indexOf(name);
        return i >= 0 && i % 2 === 0 ? fields[i + 1] : undefined;
      };
      return { id, origin: field('o'), name: field('n'), payload: field('p') };
    });
  }

  // The oldest entry left is newer than the last one read: that one was trimmed, and with it
  // (MAXLEN ~ drops whole nodes, oldest first) usually entries this instance never read. It
  // may be a false alarm (only the entry read last was trimmed), and a Redis restarted without
  // persistence is reported too: events may have been lost with it.
  private async checkGap(client: RedisClient): Promise<void> {
    if (!this.readAny || this.gapAfter === this.lastId) return;
    const first = await this.connection.call(client, this.budget, (c) => c.xrange(this.stream, '-', '+', 'COUNT', 1));
    const firstId = first[0]?.[0];
    if (firstId && compareIds(firstId, this.lastId) > 0) {
      this.gapAfter = this.lastId;
      this.hooks.gap(this.lastId, firstId);
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      timer.unref();
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

/** Orders two stream ids (`<ms>-<seq>`). */
export function compareIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(BigInt);
  const [bm, bs] = b.split('-').map(BigInt);
  return am === bm ? Number(as - bs) : am < bm ? -1 : 1;
}
