import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { CacheService } from '../cache/index.js';
import { LockNotAcquiredError } from '../errors.js';
import { LockService } from '../lock/index.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { RedisModuleOptions } from '../options/redis-module-options.js';
import { REDIS_MODULE_OPTIONS } from '../redis.constants.js';
import { ChangeBatch } from './change-batch.js';
import { openChangeFeed, type ChangeFeed } from './change-feed.js';
import { parseChange, type RowChange } from './change-payload.js';
import { bareName, installChangeTriggers } from './change-triggers.js';
import { DbInvalidationMetrics, type InvalidationReason } from './db-invalidation.metrics.js';
import { DB_INVALIDATION_DEFAULTS, resolveDbInvalidationSettings, type DbInvalidationSettings } from './db-invalidation.settings.js';
import { RediskitLogger } from '../context/rediskit-logger.js';

/** Resolves after `ms`, or at once when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Turns PostgreSQL writes into cache invalidations (the `databaseInvalidation` options). Every
 * instance runs it; the one holding the lease `db-invalidation:<channel>` LISTENs, the others
 * wait to take over. A change of row 7 of `products` invalidates the tags `products` and
 * `products:7` through `CacheService.invalidateTags`, which reaches every instance. Each time
 * the listener (re)opens its connection, whether after a drop or on taking over, it
 * invalidates the watched tables' tags: changes made while nobody listened are unknown.
 *
 * Failure policy: a database that cannot be reached is retried with backoff (logged, counted);
 * when Redis cannot be reached invalidations wait to be replayed (as `invalidateTags`) and no
 * instance can take the lease until it answers.
 *
 * @example
 * if (!invalidation.leading) return; // only the listener's metrics carry notification counts
 */
@Injectable()
export class DatabaseInvalidationService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new RediskitLogger('DatabaseInvalidation');
  private readonly settings?: DbInvalidationSettings;
  private readonly metrics: DbInvalidationMetrics;
  private readonly stopping = new AbortController();
  private running?: Promise<void>;
  private batch = new ChangeBatch(DB_INVALIDATION_DEFAULTS.maxIdsPerTable);
  private flushing?: Promise<void>;
  private feed?: ChangeFeed;
  private watched = new Set<string>();

  constructor(
    private readonly cache: CacheService,
    private readonly locks: LockService,
    metrics: MetricsService,
    @Inject(REDIS_MODULE_OPTIONS) moduleOptions: RedisModuleOptions,
  ) {
    this.metrics = new DbInvalidationMetrics(metrics);
    const options = moduleOptions.databaseInvalidation;
    if (!options) return;
    this.settings = resolveDbInvalidationSettings(options);
    this.watched = new Set(this.settings.tables.map((t) => bareName(t.table)));
    this.batch = new ChangeBatch(this.settings.maxIdsPerTable);
  }

  /** True while this instance holds the lease and listens. */
  get leading(): boolean {
    return this.feed !== undefined;
  }

  onApplicationBootstrap(): void {
    if (this.settings) this.running = this.compete(this.settings);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping.abort();
    await this.running;
    await this.flushing;
  }

  // Every instance: take the lease when free, listen while it holds, try again a third of a lease later.
  private async compete(settings: DbInvalidationSettings): Promise<void> {
    const { lease } = settings;
    const signal = this.stopping.signal;
    while (!signal.aborted) {
      try {
        await this.locks.withLock(`db-invalidation:${settings.channel}`, (lost) => this.listen(settings, lost), { ttl: lease, retry: { attempts: 0 }, signal });
      } catch (error) {
        if (!(error instanceof LockNotAcquiredError) && !signal.aborted) this.logger.warn(`Listener lease: ${(error as Error).message}`);
      }
      await pause(lease / 3, signal);
    }
  }

  // The lease holder: keeps a LISTEN open until the lease is lost or the app stops.
  private async listen(settings: DbInvalidationSettings, lost: AbortSignal): Promise<void> {
    const first = settings.reconnectDelay;
    let delay = first;
    let dropped = false;
    const leaseLost = new Promise<undefined>((resolve) => lost.addEventListener('abort', () => resolve(undefined), { once: true }));
    this.metrics.leader.set(1);
    try {
      while (!lost.aborted) {
        const feed = await this.open(settings).catch((error: Error) => {
          this.metrics.failures.inc();
          this.logger.warn(`Cannot listen to the database (retrying in ${delay} ms): ${error.message}`);
          return undefined;
        });
        if (!feed) {
          await pause(delay, lost);
          delay = Math.min(delay * 2, DB_INVALIDATION_DEFAULTS.maxReconnectDelay);
          continue;
        }
        if (dropped) this.metrics.reconnects.inc();
        delay = first;
        this.feed = feed;
        // LISTEN is open: what changes from now on is notified; what changed before is unknown.
        this.batch.addTables(this.watched);
        this.schedule('gap');
        const why = await Promise.race([feed.ended, leaseLost]);
        this.feed = undefined;
        await feed.close();
        if (why && !lost.aborted) {
          dropped = true;
          this.logger.warn(`Database connection lost (${why.message}); reconnecting`);
        }
      }
    } finally {
      this.feed = undefined;
      this.metrics.leader.set(0);
    }
  }

  private async open(settings: DbInvalidationSettings): Promise<ChangeFeed> {
    const client = await settings.connect();
    if (settings.installTriggers) await installChangeTriggers(client, { tables: settings.tables, channel: settings.channel });
    return openChangeFeed(client, settings.channel, (payload) => this.receive(payload), settings.heartbeat);
  }

  private receive(payload: unknown): void {
    const change = parseChange(payload, this.watched);
    if (!change) {
      this.metrics.rejected.inc();
      return;
    }
    this.metrics.accepted.inc();
    this.batch.add(change);
    this.schedule('change');
  }

  private reason: InvalidationReason = 'change';

  // One invalidation at a time: changes that arrive meanwhile join the next one.
  private schedule(reason: InvalidationReason): void {
    if (reason === 'gap') this.reason = 'gap';
    if (this.flushing) return;
    this.flushing = (async () => {
      await Promise.resolve();
      while (this.batch.size > 0) {
        const why = this.reason;
        this.reason = 'change';
        await this.invalidate(this.batch.take((change) => this.tagsOf(change)), why);
      }
    })().finally(() => (this.flushing = undefined));
  }

  private tagsOf(change: RowChange): string[] {
    return this.settings!.tags(change);
  }

  private async invalidate(tags: string[], reason: InvalidationReason): Promise<void> {
    try {
      await this.cache.invalidateTags(tags);
      this.metrics.invalidations[reason].inc();
    } catch (error) {
      this.metrics.failures.inc();
      this.logger.error(`Invalidating ${tags.length} tags for database changes failed: ${(error as Error).message}`);
    }
  }
}
