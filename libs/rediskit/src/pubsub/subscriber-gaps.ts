import { Cluster, type Redis } from 'ioredis';
import type { RedisClient } from '../connection/client.factory.js';
import type { PubSubMetrics } from './pubsub.metrics.js';
import { RediskitLogger } from '../context/rediskit-logger.js';

/**
 * Counts gaps: periods in which the subscriber connection is lost. A gap starts when a
 * subscriber socket closes and ends when its subscriptions are back; messages published in
 * between were not delivered to this instance (pub/sub keeps nothing; `notifyUser` messages
 * stay in the inbox).
 *
 * - Single server / Sentinel: the subscriber resends its subscriptions on `ready` (not
 *   ioredis' autoResubscribe, whose promise nobody could catch); their reply marks the end.
 * - Cluster, classic: ioredis moves its one subscriber connection to another node when its
 *   node goes away; the end is a PING on the new connection behind the resent subscriptions.
 * - Cluster, sharded: one subscriber per master; a gap starts when one ends and ends when
 *   ioredis reports `subscribersReady` after resubscribing.
 */
export class GapTracker {
  private readonly logger = new RediskitLogger('PubSub');
  private startedAt?: number;
  private closed = false;

  constructor(
    private readonly metrics: PubSubMetrics,
    private readonly subscriptions: () => number,
  ) {}

  /** True while a gap is open. */
  get open(): boolean {
    return this.startedAt !== undefined;
  }

  /** Stop counting (the app is shutting down: sockets closing now are not gaps). */
  close(): void {
    this.closed = true;
  }

  /**
   * `resubscribe` (single server / Sentinel) sends the subscriptions again after a reconnect;
   * the gap ends when Redis confirmed them.
   */
  watch(client: RedisClient, sharded: boolean, resubscribe: () => Promise<unknown>): void {
    if (!(client instanceof Cluster)) return this.watchConnection(client, resubscribe);
    this.watchCluster(client);
    if (sharded) this.watchShardedSubscribers(client);
    else this.watchClassicSubscriber(client);
  }

  private start(): void {
    if (this.startedAt !== undefined || this.closed) return;
    this.startedAt = Date.now();
    this.metrics.gaps.inc();
    this.logger.warn(`Subscriber connection lost; ${this.subscriptions()} subscription(s) will be restored on reconnect`);
  }

  private end(): void {
    if (this.startedAt === undefined || this.closed) return;
    const seconds = (Date.now() - this.startedAt) / 1000;
    this.startedAt = undefined;
    this.metrics.gapSeconds.observe({}, seconds);
    this.logger.log(`Subscriber back after ${seconds.toFixed(2)} s; ${this.subscriptions()} subscription(s) restored`);
  }

  private watchConnection(client: Redis, resubscribe: () => Promise<unknown>): void {
    // 'end' means closed on purpose (QUIT at shutdown): not a gap.
    client.on('close', () => client.status !== 'end' && this.start());
    client.on('ready', () =>
      resubscribe().then(
        () => this.end(),
        // The connection dropped again (the next 'ready' retries) or Redis refused (ACL).
        (error: Error) => this.logger.warn(`Resubscribing failed: ${error.message}`),
      ),
    );
  }

  private watchCluster(cluster: Cluster): void {
    cluster.on('close', () => live(cluster) && this.start());
    cluster.on('ready', () => this.end());
  }

  // A per-master subscriber ended (its node went away) / ioredis resubscribed all of them.
  private watchShardedSubscribers(cluster: Cluster): void {
    cluster.on('-node', (redis: Redis | undefined) => {
      if (live(cluster) && String(redis?.options?.connectionName ?? '').startsWith('ioredis-cluster(ssubscriber)')) this.start();
    });
    cluster.on('subscribersReady', () => this.end());
  }

  // ioredis keeps the classic subscriber in a private ClusterSubscriber whose selectSubscriber()
  // replaces the connection (and resends the subscriptions) when its node goes away. Wrapped only
  // when that shape is there (ioredis 6); without it, whole-cluster outages are still counted.
  private watchClassicSubscriber(cluster: Cluster): void {
    const holder = (cluster as unknown as { subscriber?: ClusterSubscriberShape }).subscriber;
    if (!holder || typeof holder.selectSubscriber !== 'function' || typeof holder.getInstance !== 'function') return;
    const select = holder.selectSubscriber;
    const onConnection = (redis: Redis | null) => {
      if (!redis) return;
      redis.once('close', () => cluster.status === 'ready' && redis === holder.getInstance() && this.start());
      if (this.open) redis.ping().then(() => redis === holder.getInstance() && this.end(), () => undefined);
    };
    const tracker = this;
    holder.selectSubscriber = function (this: ClusterSubscriberShape, ...args: unknown[]) {
      // Replacing a connection (not the first pick) means its node went away.
      const replacing = this.getInstance() !== null;
      const result = select.apply(this, args);
      if (replacing && live(cluster)) tracker.start();
      onConnection(this.getInstance());
      return result;
    };
    onConnection(holder.getInstance());
  }
}

function live(cluster: Cluster): boolean {
  return cluster.status !== 'end' && cluster.status !== 'disconnecting';
}

interface ClusterSubscriberShape {
  selectSubscriber: (...args: unknown[]) => unknown;
  getInstance: () => Redis | null;
}
