import { RediskitArgumentError, RediskitNotConfiguredError } from '../errors.js';
import type { Keyspace } from '../keyspace/keyspace.js';
import { defaultCallOptions, onUnreachableOf, resolveCallOptions, withValueTags, type CallOptions } from './cache-call-options.js';
import type { CacheEntryInput, CacheGetOptions, CacheLoader, CacheSetOptions, CacheWarmInput, InvalidateOptions, InvalidationOutcome } from './cache.options.js';
import type { CacheStatsSnapshot } from './cache-stats.js';
import type { CacheEngine, NamespaceRef } from './cache.engine.js';
import { modelTag, queryCall, type QueryDescriptor } from './cache-query.js';
import { checkNamespaceName, NamespaceKeys } from './namespace-keys.js';
import { TagVersions } from './tag-versions.js';
import { tracedRead } from './cache.tracing.js';

export type { CacheEntryInput, CacheWarmInput } from './cache.options.js';
export type { QueryDescriptor } from './cache-query.js';

/**
 * The cache API, bound to one namespace: keys, `clear()` and `invalidatePattern()` stay inside
 * it. Tags are shared by every namespace, so `invalidateTags(['user:1'])` reaches entries of
 * any namespace tagged `user:1`. `CacheService` is the `default` namespace; `namespace(name)`
 * returns another view over the same layers.
 *
 * @example
 * const users = cache.namespace('users');
 * const user = await users.getOrSet(`user:${id}`, () => db.user.find(id), { ttl: '10m', tags: [`user:${id}`] });
 */
export class CacheNamespace {
  protected readonly ref: NamespaceRef;
  private readonly keys: NamespaceKeys;
  private defaultsCache?: CallOptions;

  constructor(
    protected readonly engine: CacheEngine,
    protected readonly keyspace: Keyspace,
    readonly name: string,
  ) {
    this.keys = new NamespaceKeys(keyspace, name);
    this.ref = { name, prefix: this.keys.prefix, lockPrefix: this.keys.lockPrefix, stats: engine.stats.of(name) };
  }

  /** A view on another namespace (nested names join with `:`). */
  namespace(name: string): CacheNamespace {
    checkNamespaceName(name);
    const full = this.isRoot ? name : `${this.name}:${name}`;
    return this.engine.view(full, () => new CacheNamespace(this.engine, this.keyspace, full)) as CacheNamespace;
  }

  /**
   * The fresh value of `key`, or `undefined`. Never throws for Redis trouble (a failure reads
   * as a miss, or as the memory layer's value while it is still fresh).
   *
   * @example
   * const user = await cache.get<User>('user:1');
   */
  get<T = unknown>(key: string, options?: CacheGetOptions): Promise<T | undefined> {
    let full: string;
    try {
      full = this.keys.full(key);
    } catch (e) {
      return Promise.reject(e);
    }
    const skipL1 = options?.skipL1 ?? false;
    // Tracing off: not even a closure (an L1 hit is a few hundred ns).
    if (!this.engine.tracing.enabled) return this.engine.reads.get<T>(this.ref, full, skipL1);
    return tracedRead(this.engine.tracing, 'get', this.ref, (span) => this.engine.reads.get<T>(this.ref, full, skipL1, span));
  }

  /**
   * The fresh value of `key` when the memory layer holds one it can vouch for (tags current,
   * invalidations applied), synchronously; `undefined` otherwise. Redis is never asked, so a
   * value only Redis holds reads as `undefined`: use it where a miss costs nothing (then call
   * `get`), e.g. answering from memory before doing more work. A miss here is not counted in
   * `stats()`. Always `undefined` with `l1: false`.
   *
   * @example
   * const user = cache.peek<User>('user:1') ?? (await cache.get<User>('user:1'));
   */
  peek<T = unknown>(key: string): T | undefined {
    return this.engine.reads.peek<T>(this.ref, this.keys.full(key));
  }

  /** Values of several keys, in order (`undefined` for misses). */
  getMany<T = unknown>(keys: string[], options?: CacheGetOptions): Promise<(T | undefined)[]> {
    this.checkArray(keys, 'keys');
    return Promise.all(keys.map((k) => this.get<T>(k, options)));
  }

  /**
   * Stores a value: Redis first, then memory (write-through), then other instances drop their
   * memory copy. A Redis failure is counted in `stats().failedWrites`, not thrown.
   *
   * @example
   * await cache.set('user:1', user, { ttl: '10m', tags: ['user:1', 'org:7'] });
   */
  async set<T>(key: string, value: T, options?: CacheSetOptions): Promise<void> {
    const full = this.keys.full(key);
    const o = withValueTags(resolveCallOptions(this.defaults, options, key), value, key);
    let versions: Map<string, number> | undefined | null;
    if (o.expandedTags) versions = await this.engine.tags.current(o.expandedTags).catch(() => null);
    await this.engine.store(this.ref, full, value, o, versions);
  }

  /** Stores several entries. */
  async setMany<T>(entries: CacheEntryInput<T>[]): Promise<void> {
    this.checkArray(entries, 'entries');
    await Promise.all(entries.map(({ key, value, ...options }) => this.set(key, value, options)));
  }

  /**
   * Removes one or many keys here, in Redis and on every other instance; returns how many
   * Redis held. When Redis or the bus cannot be reached it applies here at once and waits to
   * be replayed when Redis answers (`stats().pendingInvalidations`), resolving with 0; with
   * `onUnreachable: 'throw'` it throws `RediskitInvalidationError` instead.
   */
  async del(keys: string | string[], options?: InvalidateOptions): Promise<number> {
    const list = Array.isArray(keys) ? keys : [keys];
    const onUnreachable = onUnreachableOf(options, this.engine.settings);
    if (list.length === 0) return Promise.resolve(0);
    return this.engine.del(this.ref, list.map((k) => this.keys.full(k)), onUnreachable);
  }

  /** True when `key` has a fresh value. */
  async has(key: string, options?: CacheGetOptions): Promise<boolean> {
    return (await this.get(key, options)) !== undefined;
  }

  /** Milliseconds of freshness left, or `undefined` when the key is missing or stale. */
  async ttl(key: string): Promise<number | undefined> {
    return this.engine.reads.ttl(this.ref, this.keys.full(key));
  }

  /**
   * The cached value, or the loader's (stored before it is returned). Concurrent misses in
   * one process call the loader once; with `lock: true`, once across instances. With Redis
   * down it serves memory or calls the loader: Redis errors never reach the caller.
   *
   * The loader gets a context whose options it may change from the value it produced
   * (adaptive caching): `ctx.ttl`, `ctx.grace`, `ctx.staleIfError`, `ctx.l1Ttl`, `ctx.tags`,
   * or `ctx.skip()` to return the value without storing it. What it sets is validated.
   *
   * @example
   * const posts = await cache.getOrSet(`posts:${userId}`, () => db.posts(userId), {
   *   ttl: '5m', grace: '1h', tags: [`user:${userId}`], lock: true, timeout: { soft: 100, hard: 2000 },
   * });
   * const user = await cache.getOrSet(`user-by-email:${email}`, async (ctx) => {
   *   const found = await db.users.byEmail(email);
   *   if (!found) ctx.ttl = '10s';            // cache misses briefly
   *   else ctx.tags.push(`user:${found.id}`); // invalidated with the user, whose id only the result knows
   *   return found ?? null;
   * });
   */
  getOrSet<T>(key: string, loader: CacheLoader<T>, options?: CacheSetOptions): Promise<T> {
    let full: string;
    let o: CallOptions;
    try {
      if (typeof loader !== 'function') throw new RediskitArgumentError('loader', `must be a function, got ${typeof loader}`);
      full = this.keys.full(key);
      o = resolveCallOptions(this.defaults, options, key);
    } catch (e) {
      return Promise.reject(e);
    }
    if (!this.engine.tracing.enabled) return this.engine.getOrSet<T>(this.ref, full, loader, o);
    return tracedRead(this.engine.tracing, 'getOrSet', this.ref, (span) => this.engine.getOrSet<T>(this.ref, full, loader, o, span));
  }

  /** Loads the entries that are missing (each through `getOrSet`); returns how many loaders ran. */
  async warm<T>(entries: CacheWarmInput<T>[]): Promise<number> {
    this.checkArray(entries, 'entries');
    let loaded = 0;
    await Promise.all(
      entries.map(({ key, loader, ...options }) =>
        this.getOrSet(
          key,
          (ctx) => {
            loaded++;
            return loader(ctx);
          },
          options,
        ),
      ),
    );
    return loaded;
  }

  /**
   * Invalidates every entry carrying one of `tags`, in O(1) per tag whatever the number of
   * entries, atomically, on every instance. `user` also invalidates `user:1`. After it
   * returns, this instance never serves an invalidated entry. When Redis or the bus cannot be
   * reached it resolves with `{ pending: true }`: it applies here, and is replayed as soon as
   * Redis answers (`onUnreachable: 'throw'`: throws `RediskitInvalidationError` instead).
   *
   * @example
   * const { pending } = await cache.invalidateTags(['user:1', 'org:7']);
   */
  async invalidateTags(tags: string | string[], options?: InvalidateOptions): Promise<InvalidationOutcome> {
    const list = Array.isArray(tags) ? tags : [tags];
    const onUnreachable = onUnreachableOf(options, this.engine.settings);
    if (list.length === 0) return { pending: false };
    TagVersions.expand(list);
    const unique = [...new Set(list)];
    try {
      return await this.engine.invalidateTags(this.ref, unique, onUnreachable);
    } finally {
      this.engine.announce({ tags: unique, namespace: this.name });
    }
  }

  /**
   * Removes keys of this namespace matching a glob: `*` is any run of characters, `?` exactly
   * one character (`v:?` matches `v:1`, `v:é` and `v::`), everything else is literal. SCAN on
   * every master, UNLINK in batches, and every instance drops them from memory, with the same
   * linear-time matcher. Returns how many Redis removed. Globs are at most 512 characters.
   * When Redis or the bus cannot be reached: as `del` (pending, resolves with 0).
   *
   * @example
   * await cache.invalidatePattern('user:*');
   */
  async invalidatePattern(glob: string, options?: InvalidateOptions): Promise<number> {
    return this.engine.invalidatePattern(this.ref, this.keys.pattern(glob), onUnreachableOf(options, this.engine.settings));
  }

  /** Removes every key of this namespace (memory, Redis, other instances); when Redis cannot be reached, as `del`. */
  async clear(options?: InvalidateOptions): Promise<number> {
    try {
      return await this.engine.invalidatePattern(this.ref, this.ref.prefix + '*', onUnreachableOf(options, this.engine.settings));
    } finally {
      this.engine.announce({ cleared: true, namespace: this.name });
    }
  }

  /**
   * Caches a database query result under a hash of its arguments, tagged `model:<model>`
   * (plus `options.tags`), so `invalidateModel(model)` drops every cached query of that model.
   *
   * @example
   * const rows = await cache.cacheQuery({ model: 'Post', operation: 'findMany', args: { where: { authorId } } },
   *   () => prisma.post.findMany({ where: { authorId } }), { ttl: '1m' });
   */
  async cacheQuery<T>(query: QueryDescriptor, run: CacheLoader<T>, options: CacheSetOptions = {}): Promise<T> {
    const call = queryCall(query, options);
    return this.getOrSet(call.key, run, call.options);
  }

  /** Invalidates every `cacheQuery` result of `model` (when Redis cannot be reached: as `invalidateTags`). */
  async invalidateModel(model: string, options?: InvalidateOptions): Promise<InvalidationOutcome> {
    return this.invalidateTags([modelTag(model)], options);
  }

  /**
   * Writes the cache now (like `set`) and queues the value for the `writeBehind.persist`
   * function of the module options, which receives batches; retried on failure and flushed on
   * shutdown. Waits when the queue is full.
   *
   * @example
   * await cache.setBehind(`counter:${id}`, next);   // persisted to the database within flushInterval
   */
  async setBehind<T>(key: string, value: T, options?: CacheSetOptions): Promise<void> {
    const queue = this.engine.writeBehind;
    if (!queue) throw new RediskitNotConfiguredError('setBehind needs cache.writeBehind.persist in the module options');
    await this.set(key, value, options);
    await queue.enqueue({ key, namespace: this.name, value });
  }

  /** Persists everything the write-behind queue holds now. */
  async flushWriteBehind(): Promise<void> {
    await this.engine.writeBehind?.flush();
  }

  /** Hits, misses per layer, loader calls, stale served and errors of this namespace. */
  stats(): CacheStatsSnapshot {
    const all = this.snapshot();
    const own = all.namespaces[this.name];
    return { ...all, ...own, namespaces: { [this.name]: own } };
  }

  protected snapshot(): CacheStatsSnapshot {
    const all = this.engine.stats.snapshot(this.engine.memory.layer !== undefined, !!this.engine.bus?.healthy);
    const queue = this.engine.writeBehind;
    return queue ? { ...all, writeBehind: { ...queue.stats(), pending: queue.size } } : all;
  }

  /** The Redis key of `key` in this namespace (for tooling and tests). */
  redisKey(key: string): string {
    return this.keys.full(key);
  }

  /** The service itself: its child namespaces are not nested below `default`. */
  protected get isRoot(): boolean {
    return false;
  }

  protected get defaults(): CallOptions {
    return (this.defaultsCache ??= defaultCallOptions(this.engine.settings));
  }

  private checkArray(v: unknown, name: string): void {
    if (!Array.isArray(v)) throw new RediskitArgumentError(name, `must be an array, got ${typeof v}`);
  }
}
