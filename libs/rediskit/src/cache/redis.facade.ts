import type { Logger } from '@nestjs/common';
import type { Codec } from '../codec/codec.js';
import type { RedisConnection } from '../connection/redis-connection.js';
import { GetBatcher } from '../connection/get-batcher.js';
import { sendNow } from '../scripts/send-now.js';
import { ScriptBatcher } from '../scripts/script-batcher.js';
import { unlinkMatching } from '../connection/scan.js';
import { decodeEntry, type CacheEntry } from './cache-entry.js';
import { writeEntriesScript } from './cache-write-entries.lua.js';
import { CorruptEntries } from './corrupt-entries.js';
import type { NamespaceRef } from './found.js';
import type { GlobMatcher } from './glob.js';
import type { TagVersions } from './tag-versions.js';

/** An entry read from Redis, with its decoded value (`undefined` when read without it). */
export interface RedisRead {
  entry: CacheEntry;
  value: unknown;
}

/** What to do with a read's outcome (see {@link RedisFacade.readWith}). */
export interface ReadContinuation<R> {
  /** The entry read, or undefined for a miss. */
  use(read: RedisRead | undefined): R;
  /** Redis could not be read. */
  failed(error: unknown): R;
}

/**
 * The cache's Redis side (L2): one read path (GET, the reads of a tick coalesced into MGETs;
 * decode the entry, check its tag versions, decode the value), writes (a tick's in one script
 * call) and unlinks. Calls run within the cache's time budget (a pattern's SCAN within the
 * connection's) and reject on Redis errors: what a failure means is the caller's decision.
 */
export class RedisFacade {
  private readonly corrupt: CorruptEntries;
  private readonly gets: GetBatcher;
  private readonly writes: ScriptBatcher<unknown>;

  constructor(
    private readonly connection: RedisConnection,
    private readonly codec: Codec,
    private readonly tags: TagVersions,
    private readonly budget: number,
    private readonly maxValueSize: number,
    logger: Logger,
    /** Invalidations of this instance not replayed yet: what they cover reads as a miss. */
    private readonly pending: { readonly size: number; covers(full: string, tags: Map<string, number> | undefined): boolean },
  ) {
    this.corrupt = new CorruptEntries(logger);
    this.gets = new GetBatcher(connection, budget);
    // The writes of a tick: one script call per slot (under concurrency most of a SET's cost is
    // the client's per-command work); a lone write is a plain SET.
    this.writes = new ScriptBatcher(connection, writeEntriesScript, {
      budget,
      maxEntries: 64,
      alone: ([key], [bytes, retain]) => connection.run((c) => sendNow(c, 'set', [key, bytes, 'PX', retain]), budget),
    });
  }

  /**
   * The entry of `full` if Redis holds one whose tags are current, with its value; undefined
   * for a miss. Bytes that are not an entry, or a payload the codec rejects (hostile or
   * damaged), are reported and read as a miss. Rejects when Redis cannot be read.
   * `withValue: false` leaves the payload undecoded (`value` undefined).
   */
  read(ns: NamespaceRef, full: string, withValue = true): Promise<RedisRead | undefined> {
    return this.readWith(ns, full, withValue, plainRead);
  }

  /**
   * The read path itself: what {@link read} does, handing the result to `k.use` and a Redis
   * error to `k.failed`, and resolving with what they return. Taking the continuation saves an
   * async frame (a microtask hop) on the L2 hit, which the `cache` bench measures; one object
   * rather than two closures saves allocations.
   */
  async readWith<R>(ns: NamespaceRef, full: string, withValue: boolean, k: ReadContinuation<R>): Promise<R> {
    let bytes: Buffer | null;
    try {
      bytes = await this.gets.get(full);
    } catch (e) {
      return k.failed(e);
    }
    if (bytes === null) return k.use(undefined);
    const entry = decodeEntry(bytes);
    if (entry === undefined) {
      this.corrupt.report(ns.stats, full, 'not a cache entry of this format');
      return k.use(undefined);
    }
    // Redis is back, this instance's invalidation of it not replayed yet: not what Redis says.
    if (this.pending.size > 0 && this.pending.covers(full, entry.tags)) return k.use(undefined);
    if (entry.tags) {
      try {
        if (!(await this.tags.isValid(entry.tags))) return k.use(undefined);
      } catch (e) {
        return k.failed(e);
      }
    }
    if (!withValue) return k.use({ entry, value: undefined });
    // Never written by this cache (the size is checked on write): not worth parsing.
    if (entry.payload.length > this.maxValueSize) {
      this.corrupt.report(ns.stats, full, 'value larger than maxValueSize');
      return k.use(undefined);
    }
    let value: unknown;
    try {
      value = this.codec.decode(entry.payload, full);
    } catch (e) {
      // Codec messages name the key and a reason, never the payload.
      this.corrupt.report(ns.stats, full, (e as Error).message);
      return k.use(undefined);
    }
    return k.use({ entry, value });
  }

  /** Stores an encoded entry (`encodeEntry`), kept `retain` ms (its freshness plus grace / stale-if-error). */
  write(full: string, bytes: Buffer, retain: number): Promise<unknown> {
    return this.writes.call([full], [bytes, Math.ceil(retain)]);
  }

  /** UNLINKs keys (one command per key on a cluster, where they span slots); returns how many existed. */
  async unlink(fulls: string[]): Promise<number> {
    const c = this.connection;
    if (!c.isCluster) return c.run((r) => r.unlink(...fulls), this.budget);
    return (await c.run((r) => Promise.all(fulls.map((k) => r.unlink(k))), this.budget)).reduce((a, b) => a + b, 0);
  }

  /** UNLINKs every key `glob` matches (SCAN on every master, filtered by the same matcher memory uses). */
  unlinkMatching(glob: GlobMatcher): Promise<number> {
    return unlinkMatching(this.connection, glob.scanPattern, 500, (k) => glob.test(k));
  }
}

// `read`: the outcome as it is, a Redis error rethrown.
const plainRead: ReadContinuation<RedisRead | undefined> = {
  use: (read) => read,
  failed: (e) => {
    throw e;
  },
};
