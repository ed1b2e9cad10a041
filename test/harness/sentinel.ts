import { waitFor } from './processes.js';
import { RedisServer } from './redis-server.js';

export const MASTER_NAME = 'rediskit';

/**
 * A Sentinel group: one master, one replica and three sentinels (quorum 2), with fast
 * failure detection so a failover finishes in a few seconds.
 */
export class SentinelFixture {
  private constructor(
    readonly master: RedisServer,
    readonly replica: RedisServer,
    readonly sentinels: RedisServer[],
  ) {}

  static async start(): Promise<SentinelFixture> {
    const master = await RedisServer.start([], { name: 'sentinel-master' });
    const replica = await RedisServer.start([`replicaof 127.0.0.1 ${master.port}`, 'replica-priority 100'], { name: 'sentinel-replica' });
    const sentinels = await Promise.all(
      [0, 1, 2].map(() =>
        RedisServer.start(
          [
            `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${master.port} 2`,
            `sentinel down-after-milliseconds ${MASTER_NAME} 1000`,
            `sentinel failover-timeout ${MASTER_NAME} 5000`,
            `sentinel parallel-syncs ${MASTER_NAME} 1`,
          ],
          { sentinel: true, name: 'sentinel' },
        ),
      ),
    );
    const fixture = new SentinelFixture(master, replica, sentinels);
    try {
      await fixture.waitDiscovered();
    } catch (error) {
      await fixture.stop();
      throw error;
    }
    return fixture;
  }

  get addresses(): { host: string; port: number }[] {
    return this.sentinels.map((s) => s.address);
  }

  /** Waits until every sentinel knows the replica and the other sentinels (needed for a failover). */
  async waitDiscovered(timeout = 20_000): Promise<void> {
    await waitFor(
      async () => {
        const infos = await Promise.all(this.sentinels.map((s) => s.cli('SENTINEL', 'MASTER', MASTER_NAME)));
        return infos.every((info) => {
          const fields = info.split('\n');
          const get = (k: string) => fields[fields.indexOf(k) + 1];
          return Number(get('num-slaves')) >= 1 && Number(get('num-other-sentinels')) >= 2;
        });
      },
      timeout,
      'sentinels to discover the replica and each other',
      100,
    );
  }

  /** The port of the master sentinels report now. */
  async masterPort(): Promise<number> {
    const [, port] = (await this.sentinels[0].cli('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER_NAME)).split('\n');
    return Number(port);
  }

  /** Asks a sentinel to fail over now and waits until the replica is master. */
  async failover(timeout = 15_000): Promise<void> {
    const before = await this.masterPort();
    await this.sentinels[0].cli('SENTINEL', 'FAILOVER', MASTER_NAME);
    await waitFor(async () => (await this.masterPort()) !== before, timeout, 'sentinel failover');
  }

  async stop(): Promise<void> {
    await Promise.all([...this.sentinels, this.replica, this.master].map((s) => s.kill()));
  }
}
