import { devPassword, REDIS_CONF, SENTINEL_CONF, sentinelDevPassword } from './acl-users.js';
import { waitFor } from './processes.js';
import { RedisServer, type RedisServerOptions } from './redis-server.js';

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

  /**
   * `deployConfig`: the data nodes start from deploy/redis/redis.conf with users.acl (replicas
   * authenticate as rediskit-replica, sentinels as rediskit-sentinel) and the sentinels from
   * deploy/redis/sentinel.conf, with the master's address put in its `sentinel monitor` line and
   * the passwords appended as docker-compose does. Clients then need {@link sentinelPassword}
   * and the data nodes' `clientAuth`.
   */
  static async start(options: { deployConfig?: boolean } = {}): Promise<SentinelFixture> {
    const deploy = !!options.deployConfig;
    const data: RedisServerOptions = deploy ? { configFile: REDIS_CONF } : {};
    const auth = deploy ? [`masterauth ${devPassword('rediskit-replica')}`] : [];
    const master = await RedisServer.start(auth, { ...data, name: 'sentinel-master' });
    const replica = await RedisServer.start([`replicaof 127.0.0.1 ${master.port}`, 'replica-priority 100', ...auth], { ...data, name: 'sentinel-replica' });
    const timing = [`sentinel down-after-milliseconds ${MASTER_NAME} 1000`, `sentinel failover-timeout ${MASTER_NAME} 5000`, `sentinel parallel-syncs ${MASTER_NAME} 1`];
    const start = deploy
      ? () =>
          RedisServer.start(
            [...timing, `sentinel auth-pass ${MASTER_NAME} ${devPassword('rediskit-sentinel')}`, `requirepass ${sentinelDevPassword()}`, `sentinel sentinel-pass ${sentinelDevPassword()}`],
            {
              sentinel: true,
              name: 'sentinel',
              configFile: SENTINEL_CONF,
              editConfig: (text) => replaceMonitor(text, master.port),
              cliAuth: { username: 'default', password: sentinelDevPassword() },
            },
          )
      : () => RedisServer.start([`sentinel monitor ${MASTER_NAME} 127.0.0.1 ${master.port} 2`, ...timing], { sentinel: true, name: 'sentinel' });
    const sentinels = await Promise.all([0, 1, 2].map(start));
    const fixture = new SentinelFixture(master, replica, sentinels);
    try {
      await fixture.waitDiscovered();
    } catch (error) {
      await fixture.stop();
      throw error;
    }
    return fixture;
  }

  /** The password of the sentinels (deployConfig), or undefined. */
  get sentinelPassword(): string | undefined {
    return this.sentinels[0].cliAuth?.password;
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

/** Points the `sentinel monitor` line of sentinel.conf at 127.0.0.1:`port`, keeping its quorum. */
function replaceMonitor(text: string, port: number): string {
  const line = new RegExp(`^sentinel monitor ${MASTER_NAME} \\S+ \\d+ (\\d+)$`, 'm');
  if (!line.test(text)) throw new Error(`no "sentinel monitor ${MASTER_NAME} <host> <port> <quorum>" line in ${SENTINEL_CONF}`);
  return text.replace(line, `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${port} $1`);
}
