import type { Codec } from '../codec/codec.js';
import type { CacheBus } from './cache-bus.js';
import type { CacheEntry } from './cache-entry.js';
import { isPrimitive, type Found } from './found.js';
import { MemoryLayer, type MemoryItem, type MemoryLayerOptions } from './memory-layer.js';
import type { TagVersions } from './tag-versions.js';

/** What a memory item may be used for (see {@link MemoryFacade.classify}). */
export type MemoryUse = typeof HIT | typeof USABLE | typeof EXPIRED | typeof NONE;
/** Fresh, tags current, memory trusted: serve it without asking Redis. */
export const HIT = 0;
/** Still fresh, but Redis must be asked first: served only when Redis cannot answer. */
export const USABLE = 1;
/** Past its ttl, tags current, memory trusted: a stale value for grace. */
export const EXPIRED = 2;
/** Of no use (and dropped when a tag invalidated it). */
export const NONE = 3;

/**
 * The cache's memory side (L1): the memory layer, whether it may be trusted, and the
 * invalidation epochs that keep a read which raced an invalidation from filling memory with
 * the value just invalidated. Every method is synchronous: an L1 hit costs map lookups.
 */
export class MemoryFacade {
  /** The LRU; undefined when `l1: false`. */
  readonly layer: MemoryLayer | undefined;
  // Invalidation epochs: a read that started before an invalidation of its key must not fill
  // memory with what it read (the value may be the one just invalidated).
  private current = 0;
  private floor = 0;
  private readonly keyEpochs = new Map<string, number>();

  constructor(
    options: MemoryLayerOptions | false,
    private readonly codec: Codec,
    private readonly tags: TagVersions,
    private readonly bus: CacheBus | undefined,
    private readonly pending: { readonly size: number },
    /** Redis key tracking (`l1.coherence: 'tracking'`): memory is trusted only while it is healthy. */
    private readonly tracking?: { readonly healthy: boolean },
  ) {
    this.layer = options ? new MemoryLayer(options, codec) : undefined;
  }

  /**
   * Memory may be read without asking Redis: no invalidation of this instance waits to be
   * replayed, every master is tracked (with `coherence: 'tracking'`), and (with a bus) the bus
   * is listening. The first time it is asked, a bus not
   * opened at boot opens (in the background: memory is trusted once it has subscribed, and
   * what memory held before that is dropped then).
   */
  get trusted(): boolean {
    if (this.pending.size > 0) return false;
    if (this.tracking !== undefined && !this.tracking.healthy) return false;
    const bus = this.bus;
    if (!bus) return true;
    if (bus.healthy) return true;
    if (!bus.started) bus.startInBackground();
    return false;
  }

  /** The item of `full` unless absent or past retention. */
  find(full: string, now: number): MemoryItem | undefined {
    return this.layer?.get(full, now);
  }

  /** What `item` may serve for (an item a tag invalidated is dropped: NONE). */
  classify(full: string, item: MemoryItem, now: number): MemoryUse {
    const state = item.entry.tags ? this.tags.check(item.entry.tags) : 'valid';
    if (state === 'stale') {
      this.layer!.delete(full);
      return NONE;
    }
    const trusted = state === 'valid' && this.trusted;
    if (trusted && now < item.l1Until) return HIT;
    if (now < item.entry.expiresAt) return USABLE;
    return trusted ? EXPIRED : NONE;
  }

  /** The entry of `full` when memory can vouch for it (tags current, trusted), fresh or not. */
  trustedEntry(full: string, now: number): CacheEntry | undefined {
    const item = this.find(full, now);
    return item && this.trusted && (!item.entry.tags || this.tags.check(item.entry.tags) === 'valid') ? item.entry : undefined;
  }

  /** The value of a hit, for the caller to keep. */
  read<T>(item: MemoryItem, full: string): T {
    return this.layer!.read<T>(item, full);
  }

  /** An item as a found value (for grace or as the fallback of a failed Redis read). */
  found(item: MemoryItem): Found {
    return { entry: item.entry, value: item.value, shared: !item.clone };
  }

  /** A value a caller may keep: the shared one, or a fresh copy. */
  handOut(f: Found, full: string): Found {
    return f.shared ? f : { ...f, value: this.codec.decode(f.entry.payload, full) };
  }

  /**
   * Fills memory with an entry read from Redis, unless the key was invalidated since `epoch`
   * (when the read started). Returns whether the value may be shared.
   */
  fill(full: string, entry: CacheEntry, value: unknown, l1Ttl: number, now: number, epoch: number): boolean {
    if (this.layer === undefined || this.invalidatedSince(full, epoch)) return isPrimitive(value);
    return !this.layer.set(full, entry, value, l1Ttl, now).clone;
  }

  /**
   * Keeps a value just written: memory holds its own decoded copy, so the writer's object is
   * never frozen or shared. Without memory (or `skipL1`), the value as it is.
   */
  keep(full: string, entry: CacheEntry, value: unknown, l1Ttl: number, now: number, skip: boolean, text?: string): Found {
    if (skip || this.layer === undefined) return { entry, value, shared: isPrimitive(value) };
    // `text`: the payload as plain JSON text, which decodes to the same value without reading the bytes back.
    const copy = isPrimitive(value) ? value : this.codec.decode(text ?? entry.payload, full);
    const item = this.layer.set(full, entry, copy, l1Ttl, now, text !== undefined);
    return { entry, value: item.clone ? value : copy, shared: !item.clone };
  }

  /** The epoch a read starts in (see {@link fill}). */
  get epoch(): number {
    return this.current;
  }

  /** `full` was invalidated: drop it, and keep reads already under way from filling it. */
  invalidate(full: string): void {
    this.layer?.delete(full);
    this.written(full);
  }

  /** `full` is being written: reads already under way must not fill memory with the old value. */
  written(full: string): void {
    this.keyEpochs.set(full, ++this.current);
    if (this.keyEpochs.size > 10_000) {
      this.keyEpochs.clear();
      this.floor = this.current;
    }
  }

  /** Drops the keys `match` accepts; no read under way fills memory afterwards. */
  invalidateWhere(match: (key: string, item: MemoryItem) => boolean): void {
    this.layer?.deleteWhere(match);
    this.floor = ++this.current;
  }

  /**
   * Drops the entries carrying one of `tags` (their versions could not be raised in Redis:
   * unknown versions would otherwise still let memory serve them while Redis is away).
   */
  invalidateTagged(tags: readonly string[]): void {
    this.invalidateWhere((_, item) => item.entry.tags !== undefined && tags.some((t) => item.entry.tags!.has(t)));
  }

  /** Drops everything; no read under way fills memory afterwards. */
  invalidateAll(): void {
    this.layer?.clear();
    this.floor = ++this.current;
  }

  private invalidatedSince(full: string, epoch: number): boolean {
    return this.floor > epoch || (this.keyEpochs.get(full) ?? 0) > epoch;
  }

  get size(): number {
    return this.layer?.size ?? 0;
  }

  get bytes(): number {
    return this.layer?.bytes ?? 0;
  }
}
