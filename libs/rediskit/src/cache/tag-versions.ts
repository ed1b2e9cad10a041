import { LRUCache } from 'lru-cache';
import type { RedisConnection } from '../connection/redis-connection.js';
import { RediskitArgumentError } from '../errors.js';
import { bumpTagsScript } from './cache-bump-tags.lua.js';

/** Result of checking an entry's tag versions against what this instance knows. */
export type TagCheck = 'valid' | 'stale' | 'unknown';

/**
 * Tag invalidation in O(1): each tag has a version in one Redis hash; an entry records the
 * versions of its tags when its value was produced, and is stale as soon as one of them is
 * lower than the tag's current version. Invalidating a tag is one HINCRBY, whatever the number
 * of entries carrying it. Tags are hierarchical: an entry tagged `user:1` records `user` and
 * `user:1`, so invalidating `user` reaches it.
 *
 * Versions are kept in memory while the invalidation bus keeps them current (`trustLocal`),
 * so a hit costs map lookups, not a round trip; otherwise they are read from Redis each time.
 *
 * A version is the number the hash's invalidation sequence had when the tag was last
 * invalidated (see `bumpTagsScript`). `sequence` is the highest sequence number this instance
 * has seen: a lower bound of the sequence now, read for free (no round trip) before a load
 * whose tags are known only afterwards; see {@link settled}.
 */
export class TagVersions {
  private readonly local = new LRUCache<string, number>({ max: 50_000 });
  private readonly fetching = new Map<string, Promise<number>>();
  /** The highest invalidation sequence number seen (0: none yet). */
  sequence = 0;

  constructor(
    private readonly connection: RedisConnection,
    private readonly hashKey: string,
    private readonly trustLocal: () => boolean,
    private readonly budget = connection.commandTimeout,
  ) {}

  /** `['user:1:posts']` → `['user', 'user:1', 'user:1:posts']`, without duplicates. */
  static expand(tags: readonly string[], argument = 'tags'): string[] {
    const out = new Set<string>();
    for (const tag of tags) {
      if (typeof tag !== 'string' || tag.length === 0 || tag.length > 1024) {
        throw new RediskitArgumentError(argument, `must be non-empty strings (at most 1024 characters), got ${JSON.stringify(tag)}`);
      }
      let at = tag.indexOf(':');
      while (at > 0) {
        out.add(tag.slice(0, at));
        at = tag.indexOf(':', at + 1);
      }
      out.add(tag);
    }
    return [...out];
  }

  /** Checks recorded versions against the versions known in memory, without Redis. */
  check(recorded: Map<string, number>): TagCheck {
    if (!this.trustLocal()) return 'unknown';
    let result: TagCheck = 'valid';
    for (const [tag, version] of recorded) {
      const current = this.local.get(tag);
      if (current === undefined || version > current) result = 'unknown';
      else if (version < current) return 'stale';
    }
    return result;
  }

  /** True when the recorded versions are current; reads Redis when memory cannot tell. Throws when Redis cannot be read. */
  async isValid(recorded: Map<string, number>): Promise<boolean> {
    const quick = this.check(recorded);
    if (quick !== 'unknown') return quick === 'valid';
    const current = await this.fetch([...recorded.keys()]);
    for (const [tag, version] of recorded) if (version !== current.get(tag)) return false;
    return true;
  }

  /** The current versions of expanded tags (memory first, then Redis). */
  async current(expanded: readonly string[]): Promise<Map<string, number>> {
    if (this.trustLocal()) {
      const known = new Map<string, number>();
      for (const tag of expanded) {
        const v = this.local.get(tag);
        if (v === undefined) return this.fetch(expanded);
        known.set(tag, v);
      }
      return known;
    }
    return this.fetch(expanded);
  }

  /**
   * The versions of tags that became known after a load (its value's tags) when none of them
   * was invalidated since the sequence was `since` (read before the load started), else
   * undefined: an invalidation may have raced the load, whose value may then be older than
   * the invalidation. A version at most `since` was set before the load began, and any later
   * invalidation raises it above what is recorded, so the entry goes stale.
   */
  async settled(expanded: readonly string[], since: number): Promise<Map<string, number> | undefined> {
    const versions = await this.current(expanded);
    for (const version of versions.values()) if (version > since) return undefined;
    return versions;
  }

  /** Reads the invalidation sequence (at boot: loads then know it before they start). */
  async learnSequence(): Promise<void> {
    this.observe(Number(await this.connection.run((c) => c.hget(this.hashKey, ''), this.budget)));
  }

  /**
   * Raises the versions of `tags` atomically; memory is updated before it returns. With
   * `announce`, the same script publishes the new versions on the bus channel.
   */
  async bump(tags: readonly string[], announce?: { channel: string; sender: string }): Promise<Record<string, number>> {
    // Forget first: if Redis cannot be reached, entries with these tags must not be served from memory.
    for (const tag of tags) this.local.delete(tag);
    const head = announce ? [announce.channel, announce.sender, Date.now()] : ['', '', 0];
    const versions = await this.connection.script<number[]>(bumpTagsScript, [this.hashKey], [...head, ...tags], this.budget);
    const out: Record<string, number> = {};
    tags.forEach((tag, i) => {
      out[tag] = Number(versions[i]);
    });
    this.apply(out, Number(versions[tags.length]));
    return out;
  }

  /** Records versions (and the sequence) learned from another instance; never lowers one. */
  apply(versions: Record<string, number>, sequence?: number): void {
    if (sequence !== undefined) this.observe(sequence);
    for (const tag in versions) {
      const v = versions[tag];
      const known = this.local.get(tag);
      if (known === undefined || v > known) this.local.set(tag, v);
    }
  }

  /** A sequence number read from Redis or the bus (ignored unless it is higher). */
  private observe(sequence: number): void {
    if (Number.isSafeInteger(sequence) && sequence > this.sequence) this.sequence = sequence;
  }

  /** Forgets every version (the bus lost messages); the sequence stays a valid lower bound. */
  clear(): void {
    this.local.clear();
  }

  private async fetch(tags: readonly string[]): Promise<Map<string, number>> {
    const missing = tags.filter((t) => !this.fetching.has(t));
    if (missing.length > 0) {
      // The sequence comes along (field "", before the tags): read at most as late as the versions.
      const pending = this.connection.run((c) => c.hmget(this.hashKey, '', ...missing), this.budget);
      pending.then((values) => this.observe(Number(values[0])), () => undefined);
      missing.forEach((tag, i) => {
        const one = pending.then((values) => Number(values[i + 1] ?? 0));
        this.fetching.set(tag, one);
        one.then(
          (v) => {
            if (this.fetching.get(tag) === one) this.fetching.delete(tag);
            if (this.trustLocal()) this.apply({ [tag]: v });
          },
          () => {
            if (this.fetching.get(tag) === one) this.fetching.delete(tag);
          },
        );
      });
    }
    const values = await Promise.all(tags.map((t) => this.fetching.get(t)!));
    const out = new Map<string, number>();
    tags.forEach((tag, i) => out.set(tag, Math.max(values[i], this.trustLocal() ? (this.local.get(tag) ?? 0) : 0)));
    return out;
  }
}
