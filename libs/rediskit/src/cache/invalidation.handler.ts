import type { Logger } from '@nestjs/common';
import type { CacheBus, BusMessage } from './cache-bus.js';
import type { CacheStats } from './cache-stats.js';
import { RediskitInvalidationError } from '../errors.js';
import type { InvalidationOutcome, OnUnreachable } from './cache.options.js';
import type { NamespaceRef } from './found.js';
import { compileGlob } from './glob.js';
import type { MemoryFacade } from './memory.facade.js';
import type { PendingBatch, PendingInvalidations } from './pending-invalidations.js';
import type { RedisFacade } from './redis.facade.js';
import type { TagVersions } from './tag-versions.js';
import type { WriteWaiters } from './write-waiters.js';

const FIRST_RETRY_MS = 100;
const LAST_RETRY_MS = 2000;

/**
 * Invalidation by key, tag and pattern, here, in Redis and on every other instance (the bus),
 * and what this instance does with the invalidations other instances announce. Each applies
 * to this instance's memory first, so this instance never serves what it invalidated, even
 * when Redis cannot be reached.
 *
 * Auto-recovery: an invalidation that cannot reach Redis or the bus is kept
 * ({@link PendingInvalidations}) and replayed, in order, as soon as Redis answers (the circuit
 * closes, the connection is ready again, the bus is back, or a retry with backoff gets through),
 * before this instance trusts its memory again. With `onUnreachable: 'throw'` it throws
 * `RediskitInvalidationError` instead, as before auto-recovery.
 */
export class InvalidationHandler {
  private replaying?: Promise<void>;
  private retry?: NodeJS.Timeout;
  private retryDelay = FIRST_RETRY_MS;
  private warned = false;
  private warnedOverflow = false;
  private stopped = false;

  constructor(
    private readonly memory: MemoryFacade,
    private readonly redis: RedisFacade,
    private readonly tags: TagVersions,
    private readonly bus: CacheBus | undefined,
    private readonly waiters: WriteWaiters,
    private readonly stats: CacheStats,
    private readonly pending: PendingInvalidations,
    private readonly logger: Logger,
  ) {}

  async del(ns: NamespaceRef, fulls: string[], onUnreachable: OnUnreachable): Promise<number> {
    for (const full of fulls) this.memory.invalidate(full);
    try {
      const removed = await this.redis.unlink(fulls);
      await this.bus?.publish({ k: fulls });
      return removed;
    } catch (cause) {
      this.unreachable(ns, 'del', cause, onUnreachable);
      this.pending.addKeys(ns.prefix, fulls);
      this.queued(cause);
      return 0;
    }
  }

  async invalidateTags(ns: NamespaceRef, tags: string[], onUnreachable: OnUnreachable): Promise<InvalidationOutcome> {
    try {
      // Announced by the script itself when one message holds them: one round trip.
      const announce = this.bus?.tagAnnouncement(tags);
      const versions = await this.tags.bump(tags, announce);
      if (this.bus && !announce) await this.bus.publish({ t: versions, s: this.tags.sequence });
      return { pending: false };
    } catch (cause) {
      // The versions may not have been raised: drop what memory holds with these tags.
      this.memory.invalidateTagged(tags);
      this.unreachable(ns, 'invalidateTags', cause, onUnreachable);
      this.pending.addTags(tags);
      this.queued(cause);
      return { pending: true };
    }
  }

  /**
   * UNLINKs every key matching a full-key glob (SCAN on every master) and drops them from memory
   * everywhere. One linear-time matcher decides for memory and for the SCAN results alike.
   */
  async invalidatePattern(ns: NamespaceRef, pattern: string, onUnreachable: OnUnreachable): Promise<number> {
    const matcher = compileGlob(pattern);
    this.memory.invalidateWhere((k) => matcher.test(k));
    try {
      const removed = await this.redis.unlinkMatching(matcher);
      await this.bus?.publish({ p: [pattern] });
      return removed;
    } catch (cause) {
      this.unreachable(ns, 'invalidatePattern', cause, onUnreachable);
      this.pending.addPattern(ns.prefix, pattern);
      this.queued(cause);
      return 0;
    }
  }

  /** Replays the pending invalidations now (one replay at a time); resolves when it stopped. */
  replay(): Promise<void> {
    if (this.pending.size === 0 || this.stopped) return Promise.resolve();
    return (this.replaying ??= this.drain().finally(() => (this.replaying = undefined)));
  }

  /** Shutdown: a last replay (Redis may be back), then what is still pending is lost, and said so. */
  async close(): Promise<void> {
    await this.replay();
    this.stopped = true;
    clearTimeout(this.retry);
    this.retry = undefined;
    if (this.pending.size > 0) this.logger.error(`${this.pending.size} cache invalidations could not be replayed before shutdown and are lost: other instances may serve what they invalidated until it expires`);
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
  // that started before now do not fill memory with what they read. Our own invalidations
  // that waited for Redis go out now.
  onBusRestored(): void {
    this.memory.invalidateAll();
    this.tags.clear();
    void this.replay();
  }

  private unreachable(ns: NamespaceRef, operation: string, cause: unknown, onUnreachable: OnUnreachable): void {
    ns.stats.errors++;
    if (onUnreachable === 'throw') throw new RediskitInvalidationError(operation, { cause });
  }

  private queued(cause: unknown): void {
    if (!this.warned) {
      this.warned = true;
      this.logger.warn(`cache invalidations are pending: Redis or the bus could not be reached (${(cause as Error)?.message}); they are replayed as soon as Redis answers (stats().pendingInvalidations)`);
    }
    if (this.pending.overflowed && !this.warnedOverflow) {
      this.warnedOverflow = true;
      this.logger.warn('more cache invalidations are pending than invalidation.maxPending: the namespaces they touched (the whole cache, for a tag) are cleared when Redis answers');
    }
    this.scheduleRetry();
  }

  private async drain(): Promise<void> {
    let replayed = 0;
    let batch: PendingBatch | undefined;
    try {
      while ((batch = this.pending.next())) {
        await this.apply(batch);
        this.pending.done(batch);
        replayed += batch.ops.length;
      }
    } catch {
      this.scheduleRetry();
      return;
    }
    this.retryDelay = FIRST_RETRY_MS;
    this.warned = false;
    this.warnedOverflow = false;
    if (replayed > 0) this.logger.log(`${replayed} pending cache invalidations replayed`);
  }

  private async apply(batch: PendingBatch): Promise<void> {
    if (batch.kind === 'k') {
      await this.redis.unlink(batch.fulls);
      await this.bus?.publish({ k: batch.fulls });
    } else if (batch.kind === 't') {
      const versions = await this.tags.bump(batch.tags);
      await this.bus?.publish({ t: versions, s: this.tags.sequence });
    } else {
      await this.redis.unlinkMatching(batch.glob);
      await this.bus?.publish({ p: [batch.pattern] });
    }
  }

  // A fallback for when no event says Redis is back (the circuit never opened): retries with
  // backoff, up to every 2 s, while something is pending.
  private scheduleRetry(): void {
    if (this.retry !== undefined || this.stopped || this.pending.size === 0) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.replay();
    }, this.retryDelay);
    this.retry.unref();
    this.retryDelay = Math.min(this.retryDelay * 2, LAST_RETRY_MS);
  }
}
