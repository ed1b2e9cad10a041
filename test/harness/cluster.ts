import { waitFor } from './processes.js';
import { redisCli, RedisServer } from './redis-server.js';

/**
 * A real Redis Cluster of `masters` masters (default 3) on free ports, created with
 * `redis-cli --cluster create`. `migrateSlot` moves a slot with its keys while clients run.
 */
export class RedisClusterFixture {
  private constructor(readonly nodes: RedisServer[]) {}

  static async start(masters = 3): Promise<RedisClusterFixture> {
    const nodes = await Promise.all(
      Array.from({ length: masters }, () =>
        RedisServer.start(['cluster-enabled yes', 'cluster-config-file nodes.conf', 'cluster-node-timeout 2000', 'cluster-port $BUS_PORT'], { name: 'cluster' }),
      ),
    );
    const fixture = new RedisClusterFixture(nodes);
    try {
      await redisCli(nodes[0].port, '--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '0', '--cluster-yes');
      await fixture.waitHealthy();
    } catch (error) {
      await fixture.stop();
      throw error;
    }
    return fixture;
  }

  /** Seed nodes for a cluster client. */
  get addresses(): { host: string; port: number }[] {
    return this.nodes.map((n) => n.address);
  }

  /** Waits until every node reports cluster_state:ok. */
  async waitHealthy(timeout = 20_000): Promise<void> {
    await waitFor(
      async () => (await Promise.all(this.nodes.map((n) => n.cli('CLUSTER', 'INFO')))).every((info) => info.includes('cluster_state:ok')),
      timeout,
      'cluster_state:ok on every node',
      100,
    );
  }

  /** The node that serves `slot` now. */
  async ownerOf(slot: number): Promise<RedisServer> {
    const slots = JSON.parse(await this.nodes[0].cli('--json', 'CLUSTER', 'SLOTS')) as [number, number, [string, number]][];
    const range = slots.find(([from, to]) => slot >= from && slot <= to);
    const port = range?.[2][1];
    const node = this.nodes.find((n) => n.port === port);
    if (!node) throw new Error(`no owner for slot ${slot}`);
    return node;
  }

  /**
   * Moves `slot` to `target` the way redis-cli --cluster reshard does: IMPORTING/MIGRATING,
   * MIGRATE keys in batches (clients see ASK meanwhile), then SETSLOT NODE everywhere (MOVED).
   * `pauseMs` is waited between batches so traffic runs during the migration.
   */
  async migrateSlot(slot: number, target: RedisServer, pauseMs = 0): Promise<void> {
    const source = await this.ownerOf(slot);
    if (source === target) return;
    const [sourceId, targetId] = await Promise.all([source.cli('CLUSTER', 'MYID'), target.cli('CLUSTER', 'MYID')]);
    await target.cli('CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', sourceId);
    await source.cli('CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', targetId);
    for (;;) {
      const keys = (await source.cli('CLUSTER', 'GETKEYSINSLOT', String(slot), '20')).split('\n').filter(Boolean);
      if (keys.length === 0) break;
      await source.cli('MIGRATE', '127.0.0.1', String(target.port), '', '0', '5000', 'KEYS', ...keys);
      if (pauseMs) await new Promise((r) => setTimeout(r, pauseMs));
    }
    for (const node of [target, source, ...this.nodes.filter((n) => n !== source && n !== target)]) {
      await node.cli('CLUSTER', 'SETSLOT', String(slot), 'NODE', targetId);
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.kill()));
  }
}
