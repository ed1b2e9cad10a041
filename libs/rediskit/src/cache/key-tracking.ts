import type { Logger } from '@nestjs/common';
import type { Cluster, Redis } from 'ioredis';
import type { RedisClient } from '../connection/client.factory.js';
import type { RedisConnection } from '../connection/redis-connection.js';

/** The channel Redis sends invalidations on to a RESP2 client that tracking redirects to. */
export const TRACKING_CHANNEL = '__redis__:invalidate';

export interface TrackingHandlers {
  /** Something wrote, deleted, expired or evicted these keys. */
  keys(keys: string[]): void;
  /** FLUSHALL / FLUSHDB on a master: every key may be gone. */
  flushed(): void;
  /** A master is not tracked any more (its subscriber is down): invalidations may be missed. */
  lost(): void;
  /** Every master is tracked (again): memory filled before may hold values changed meanwhile. */
  restored(): void;
}

interface TrackedNode {
  client: RedisClient;
  tracking: boolean;
}

/**
 * Server-assisted client-side caching (`l1.coherence: 'tracking'`): Redis itself says which
 * keys under the cache's prefix changed, whoever changed them (another service, a script,
 * redis-cli). One subscriber per master (one off a cluster), RESP2, that on every connect runs
 * `CLIENT ID`, `CLIENT TRACKING ON REDIRECT <its own id> BCAST PREFIX <prefix>` and SUBSCRIBEs
 * to `__redis__:invalidate`. Tracking state lives in the server's connection: a reconnect or a
 * failover loses it, and invalidations sent meanwhile are lost, so memory is trusted only while
 * every current master is tracked, and flushed when the last one comes back (`restored`). On a
 * cluster the set of masters follows the client's topology (`refresh`, `+node`, `-node`).
 */
export class KeyTracking {
  private readonly nodes = new Map<string, TrackedNode>();
  private up = false;
  private stopped = false;
  private warned = false;
  private onUp?: () => void;
  private readonly reconcile = () => this.followTopology();

  constructor(
    private readonly connection: RedisConnection,
    private readonly prefix: string,
    private readonly handlers: TrackingHandlers,
    private readonly logger: Logger,
  ) {}

  /** True while every master has its tracking subscriber connected and subscribed. */
  get healthy(): boolean {
    return this.up;
  }

  /**
   * Opens a subscriber per master and waits, at most `timeout` ms, until all track; rejects
   * after that (they keep connecting in the background; memory is not trusted meanwhile).
   */
  async start(timeout = this.connection.connectTimeout): Promise<void> {
    const cluster = this.clusterClient();
    if (cluster) for (const event of ['refresh', '+node', '-node']) cluster.on(event, this.reconcile);
    this.followTopology();
    if (this.up) return;
    let timer: NodeJS.Timeout | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        this.onUp = resolve;
        timer = setTimeout(() => reject(new Error(`not every master tracks keys within ${timeout}ms`)), timeout);
      });
    } finally {
      clearTimeout(timer);
      this.onUp = undefined;
    }
  }

  /** Stops listening; the subscribers close with the connection. */
  stop(): void {
    this.stopped = true;
    this.up = false;
    this.onUp?.();
    const cluster = this.clusterClient();
    if (cluster) for (const event of ['refresh', '+node', '-node']) cluster.off(event, this.reconcile);
  }

  private clusterClient(): Cluster | undefined {
    return this.connection.isCluster ? (this.connection.client as Cluster) : undefined;
  }

  // The masters now: each gets a subscriber; one whose node is no longer a master is closed.
  private followTopology(): void {
    if (this.stopped) return;
    const wanted = new Map<string, { host: string; port: number } | undefined>();
    if (this.connection.isCluster) {
      for (const node of this.connection.masters()) wanted.set(`${node.options.host}:${node.options.port}`, { host: node.options.host!, port: node.options.port! });
    } else wanted.set('', undefined);
    for (const [id, address] of wanted) if (!this.nodes.has(id)) this.track(id, address);
    for (const [id, node] of this.nodes) {
      if (wanted.has(id)) continue;
      this.nodes.delete(id);
      void this.connection.release(node.client);
    }
    this.check();
  }

  private track(id: string, address: { host: string; port: number } | undefined): void {
    let client: RedisClient;
    try {
      // RESP2: invalidations come as pub/sub messages (ioredis drops RESP3 invalidate pushes).
      client = this.connection.openNode('cache-tracking', address, { protocol: 2, autoResubscribe: false, enableAutoPipelining: false });
    } catch (e) {
      this.logger.debug(`tracking not started: ${(e as Error).message}`); // the connection is closed (shutdown)
      return;
    }
    const node: TrackedNode = { client, tracking: false };
    this.nodes.set(id, node);
    client.on('messageBuffer', (channel: Buffer, payload: Buffer[] | Buffer | null) => {
      if (this.stopped || channel.toString() !== TRACKING_CHANNEL) return;
      if (payload === null) this.handlers.flushed();
      else this.handlers.keys(Array.isArray(payload) ? payload.map(String) : [String(payload)]);
    });
    const down = () => {
      node.tracking = false;
      this.check();
    };
    client.on('close', down);
    client.on('reconnecting', down);
    client.on('end', down);
    client.on('ready', () => {
      this.enable(client as Redis).then(
        () => {
          if (this.nodes.get(id) !== node) return;
          node.tracking = true;
          this.check();
        },
        (e: Error) => {
          // NOPERM (an ACL without CLIENT TRACKING) or a node going away: memory stays untrusted.
          if (!this.warned) this.logger.warn(`cache key tracking could not be enabled: ${e.message}; memory is not used until it is`);
          this.warned = true;
        },
      );
    });
  }

  private async enable(client: Redis): Promise<void> {
    const id = await client.client('ID');
    await client.call('CLIENT', 'TRACKING', 'ON', 'REDIRECT', String(id), 'BCAST', 'PREFIX', this.prefix);
    await client.subscribe(TRACKING_CHANNEL);
  }

  private check(): void {
    const all = !this.stopped && this.nodes.size > 0 && [...this.nodes.values()].every((n) => n.tracking);
    if (all === this.up) return;
    this.up = all;
    if (all) {
      this.handlers.restored();
      this.onUp?.();
    } else this.handlers.lost();
  }
}
