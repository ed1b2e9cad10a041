import type { CacheEntry } from './cache-entry.js';
import type { NamespaceStats } from './cache-stats.js';

/** Where a namespace's keys live, and its counters. */
export interface NamespaceRef {
  name: string;
  /** Full Redis key prefix, ending with the separator. */
  prefix: string;
  /** Prefix of the stampede-lock keys. */
  lockPrefix: string;
  stats: NamespaceStats;
}

/** A value found or produced: `shared` values (frozen or primitive) may go to every caller. */
export interface Found {
  entry: CacheEntry;
  value: unknown;
  shared: boolean;
}

/** True for values nobody can change (so one copy may go to every caller). */
export function isPrimitive(v: unknown): boolean {
  return v === null || typeof v !== 'object';
}

/** A loader result that is not stored: concurrent callers share it as it is. */
export function uncached(value: unknown): Found {
  return { entry: { payload: Buffer.alloc(0), createdAt: 0, expiresAt: 0, retainUntil: 0, delta: 0, tags: undefined }, value, shared: true };
}
