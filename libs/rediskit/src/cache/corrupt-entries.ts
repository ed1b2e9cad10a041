import type { Logger } from '@nestjs/common';
import type { NamespaceStats } from './cache-stats.js';

/** How many distinct corrupt keys are logged; later ones are only counted. */
export const MAX_LOGGED_CORRUPT_KEYS = 1000;

/**
 * Reports cache entries that cannot be read (bytes that are not an entry, a payload the codec
 * rejects): each read counts in `stats().corrupt`, and each key is logged once, for at most
 * {@link MAX_LOGGED_CORRUPT_KEYS} keys, so a Redis full of junk cannot flood the log. The log
 * line names the key and the reason, never the stored bytes.
 *
 * @example
 * corrupt.report(ns.stats, full, 'not a cache entry of this version');
 */
export class CorruptEntries {
  private readonly logged = new Set<string>();
  private full = false;

  constructor(private readonly logger: Logger) {}

  report(stats: NamespaceStats, key: string, reason: string): void {
    stats.corrupt++;
    if (this.full || this.logged.has(key)) return;
    if (this.logged.size >= MAX_LOGGED_CORRUPT_KEYS) {
      this.full = true;
      this.logger.warn(`more than ${MAX_LOGGED_CORRUPT_KEYS} corrupt cache entries: further ones are counted in stats().corrupt, not logged`);
      return;
    }
    this.logged.add(key);
    this.logger.warn(`corrupt cache entry "${key}" reads as a miss (${reason}); the next write replaces it`);
  }
}
