import type { CacheBus, BusMessage } from './cache-bus.js';
import type { CacheStats } from './cache-stats.js';
import { RediskitInvalidationError } from './cache.errors.js';
import type { NamespaceRef } from './found.js';
import { compileGlob } from './glob.js';
import type { MemoryFacade } from './memory.facade.js';
import type { RedisFacade } from './redis.facade.js';
import type { TagVersions } from './tag-versions.js';
import type { WriteWaiters } from './write-waiters.js';

/**
 * Invalidation by key, tag and pattern, here, in Redis and on every other instance (the bus),
 * and what this instance does with the invalidations other instances announce. Each applies
 * to this instance's memory first, so this instance never serves what it invalidated, even
 * when Redis cannot be reached.
 */
export class InvalidationHandler {
  constructor(
    private readonly memory: MemoryFacade,
    private readonly redis: RedisFacade,
    private readonly tags: TagVersions,
    private readonly bus: CacheBus | undefined,
    private readonly waiters: WriteWaiters,
    private readonly stats: CacheStats,
  ) {}

  async del(ns: NamespaceRef, fulls: string[]): Promise<number> {
    for (const full of fulls) this.memory.invalidate(full);
    try {
      const removed = await this.redis.unlink(fulls);
      await this.bus?.publish({ k: fulls });
      return removed;
    } catch (cause) {
      ns.stats.errors++;
      throw new RediskitInvalidationError('del', { cause });
    }
  }

  async invalidateTags(ns: NamespaceRef, tags: string[]): Promise<void> {
    try {
      const versions = await this.tags.bump(tags);
      await this.bus?.publish({ t: versions, s: this.tags.sequence });
    } catch (cause) {
      ns.stats.errors++;
      throw new RediskitInvalidationError('invalidateTags', { cause });
    }
  }

  /**
   * UNLINKs every key matching a full-key glob (SCAN on every master) and drops them from memory
   * everywhere. One linear-time matcher decides for memory and for the SCAN results alike.
   */
  async invalidatePattern(ns: NamespaceRef, pattern: string): Promise<number> {
    const matcher = compileGlob(pattern);
    this.memory.invalidateWhere((k) => matcher.test(k));
    try {
      const removed = await this.redis.unlinkMatching(matcher);
      await this.bus?.publish({ p: [pattern] });
      return removed;
    } catch (cause) {
      ns.stats.errors++;
      throw new RediskitInvalidationError('invalidatePattern', { cause });
    }
  }

  /** Another instance wrote, deleted or invalidated. */
  onBusMessage(m: BusMessage): void {
    if (m.at) this.stats.busDelay.observe({}, Math.max(0, Date.now() - m.at) / 1000);
    if (m.t || m.s !== undefined) this.tags.apply(m.t ?? {}, m.s);
    if (m.k) {
      for (const full of m.k) {
        this.memory.invalidate(full);
        this.waiters.wake(full);
      }
    }
    if (m.p) {
      // Patterns were checked against the length bound when the message was read.
      const matchers = m.p.map(compileGlob);
      this.memory.invalidateWhere((k) => matchers.some((m) => m.test(k)));
    }
  }

  // While the bus was down, invalidations from other instances were missed. Memory was not
  // trusted meanwhile (reads went to Redis; memory answered only when Redis did not), and is
  // reconciled before it is trusted again: every entry and tag version is dropped, and reads
  // that started before now do not fill memory with what they read.
  onBusRestored(): void {
    this.memory.invalidateAll();
    this.tags.clear();
  }
}
