import { LRUCache } from 'lru-cache';
import type { Codec } from '../codec/codec.js';
import type { CacheEntry } from './cache-entry.js';

/** One entry of the memory layer. */
export interface MemoryItem {
  entry: CacheEntry;
  /** The shared, deeply frozen value; unused when `clone` is set. */
  value: unknown;
  /** Decode a fresh copy from `entry.payload` on every read (clone mode, or a value freezing cannot protect). */
  clone: boolean;
  /** The memory layer's own freshness end: min(entry.expiresAt, fill time + l1Ttl). */
  l1Until: number;
}

export interface MemoryLayerOptions {
  maxEntries: number;
  maxBytes: number;
  mode: 'freeze' | 'clone';
}

// Key, item object and header, roughly; keeps many tiny entries from escaping the byte bound.
const OVERHEAD = 96;

/**
 * The in-process layer (L1): an LRU bounded by entry count and by bytes (the encoded size).
 * Callers can never change what the next caller reads: values are deeply frozen once when
 * they enter, or decoded afresh on each hit in clone mode. Values holding a Map, Set, Date or
 * binary data (which `Object.freeze` cannot protect) are always decoded afresh.
 */
export class MemoryLayer {
  private readonly lru: LRUCache<string, MemoryItem>;

  constructor(
    private readonly options: MemoryLayerOptions,
    private readonly codec: Codec,
  ) {
    this.lru = new LRUCache<string, MemoryItem>({
      max: options.maxEntries,
      maxSize: options.maxBytes,
      sizeCalculation: (item, key) => item.entry.payload.length + key.length + OVERHEAD,
    });
  }

  /** The item for `key` unless its retention ended (then it is dropped). */
  get(key: string, now: number): MemoryItem | undefined {
    const item = this.lru.get(key);
    if (item !== undefined && item.entry.retainUntil <= now) {
      this.lru.delete(key);
      return undefined;
    }
    return item;
  }

  /**
   * Stores an entry; `value` is the decoded value, which becomes the shared frozen copy (so the
   * caller must not keep a mutable reference to it). `plain`: the value was parsed from JSON
   * text, so it holds nothing freezing cannot protect and is frozen without checking. Returns the item.
   */
  set(key: string, entry: CacheEntry, value: unknown, l1Ttl: number, now: number, plain = false): MemoryItem {
    const clone = this.options.mode === 'clone' || !(plain ? freezePlain(value) : deepFreeze(value));
    // Never longer than the entry's own TTL, even if the writer's clock runs ahead of ours.
    const l1Until = Math.min(entry.expiresAt, now + l1Ttl, now + (entry.expiresAt - entry.createdAt));
    const item: MemoryItem = { entry, value: clone ? undefined : value, clone, l1Until };
    this.lru.set(key, item);
    return item;
  }

  /** The value a caller may keep: the frozen shared value or a fresh copy. */
  read<T>(item: MemoryItem, key: string): T {
    return (item.clone ? this.codec.decode(item.entry.payload, key) : item.value) as T;
  }

  delete(key: string): void {
    this.lru.delete(key);
  }

  /** Drops every key for which `match` is true (a scan of the memory layer). */
  deleteWhere(match: (key: string, item: MemoryItem) => boolean): number {
    let n = 0;
    for (const [key, item] of [...this.lru.entries()]) {
      if (match(key, item)) {
        this.lru.delete(key);
        n++;
      }
    }
    return n;
  }

  clear(): void {
    this.lru.clear();
  }

  get size(): number {
    return this.lru.size;
  }

  get bytes(): number {
    return this.lru.calculatedSize;
  }
}

/**
 * Freezes plain objects and arrays in place. Returns false, changing nothing, when the value
 * holds something freezing does not protect (Map, Set, Date, typed arrays, class instances).
 */
export function deepFreeze(value: unknown): boolean {
  if (!freezable(value)) return false;
  freeze(value);
  return true;
}

// A value JSON.parse made holds only plain objects, arrays and primitives.
function freezePlain(value: unknown): true {
  freeze(value);
  return true;
}

function freezable(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return true;
  if (Array.isArray(value)) return value.every(freezable);
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  for (const key in value) if (!freezable((value as Record<string, unknown>)[key])) return false;
  return true;
}

function freeze(value: unknown): void {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return;
  if (Array.isArray(value)) for (const item of value) freeze(item);
  else for (const key in value) freeze((value as Record<string, unknown>)[key]);
  Object.freeze(value);
}
