import { Redis } from 'ioredis';

/**
 * Asks the sentinels of a Sentinel connection which master they report, over one small
 * connection per Redis connection that is opened on the first check and kept (checks come every
 * few seconds). Sentinels are tried in order until one answers.
 *
 * @example
 * const master = await probe.masterOf(client, 500); // '10.0.0.5:6379'
 */
export class SentinelProbe {
  private readonly clients = new Map<Redis, Redis>();

  /** `host:port` of the master the sentinels report for `client`'s group. */
  async masterOf(client: Redis, timeoutMs: number): Promise<string> {
    const name = client.options.name!;
    let lastError: unknown = new Error('no sentinel configured');
    const cached = this.clients.get(client);
    if (cached) {
      try {
        return await ask(cached, name);
      } catch (error) {
        lastError = error;
        this.clients.delete(client);
        cached.disconnect();
      }
    }
    for (const address of (client.options.sentinels ?? []) as { host?: string; port?: number }[]) {
      const sentinel = this.open(client, address, timeoutMs);
      try {
        const master = await ask(sentinel, name);
        this.clients.set(client, sentinel);
        return master;
      } catch (error) {
        lastError = error;
        sentinel.disconnect();
      }
    }
    throw lastError;
  }

  /** Closes the sentinel connections. */
  close(): void {
    for (const c of this.clients.values()) c.disconnect();
    this.clients.clear();
  }

  // Lazy: only the sentinels actually tried get a socket.
  private open(client: Redis, address: { host?: string; port?: number }, timeoutMs: number): Redis {
    const o = client.options;
    return new Redis({
      host: address.host,
      port: address.port,
      username: o.sentinelUsername,
      password: o.sentinelPassword,
      tls: o.enableTLSForSentinelMode ? o.tls : undefined,
      connectionName: 'rediskit:health-sentinel',
      lazyConnect: true,
      connectTimeout: timeoutMs,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      // disconnect() arms a timer this long even when the socket is already gone.
      disconnectTimeout: 200,
    });
  }
}

async function ask(sentinel: Redis, name: string): Promise<string> {
  if (sentinel.status === 'wait') await sentinel.connect();
  const reply = (await sentinel.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name)) as [string, string] | null;
  if (!reply) throw new Error(`sentinels do not know master "${name}"`);
  return `${reply[0]}:${reply[1]}`;
}
