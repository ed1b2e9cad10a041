import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { RediskitArgumentError } from '../errors.js';
import { DEFAULT_CONNECTION, type RedisModuleOptions } from '../options/redis-module-options.js';
import type { RedisConnectionOptions } from '../options/connection-options.js';
import { connectionDefaults } from '../options/connection-defaults.js';
import { toMs } from '../options/duration.js';
import { RedisConnection } from './redis-connection.js';

/**
 * Holds every named connection of the module. Capabilities get their connection here;
 * `app.close()` quits all of them, so no handle stays open.
 *
 * @example
 * const connection = registry.get();            // the default connection
 * const reports = registry.get('reports');      // a named one
 */
@Injectable()
export class RedisRegistry implements OnApplicationShutdown {
  private constructor(private readonly connections: Map<string, RedisConnection>) {}

  /**
   * Creates and connects every configured connection; boot fails with `RediskitConnectionError`
   * if one is not ready in time, refuses the credentials or has no such database.
   */
  static async connect(options: RedisModuleOptions): Promise<RedisRegistry> {
    const all: Record<string, RedisConnectionOptions> = { ...options.connections, [DEFAULT_CONNECTION]: options.connection };
    const connections = new Map(
      Object.entries(all).map(([name, c]) => [name, new RedisConnection(name, c, options.circuitBreaker ?? {})]),
    );
    const results = await Promise.allSettled(
      [...connections.entries()].map(([name, c]) =>
        c.connect(options.readyTimeout ?? toMs(all[name].connectTimeout ?? connectionDefaults().connectTimeout)),
      ),
    );
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) {
      await Promise.all([...connections.values()].map((c) => c.close()));
      throw failure.reason;
    }
    return new RedisRegistry(connections);
  }

  /** The connection called `name` (default: the default connection). */
  get(name: string = DEFAULT_CONNECTION): RedisConnection {
    const connection = this.connections.get(name);
    if (!connection) {
      throw new RediskitArgumentError('connection', `"${name}" is not configured (known: ${[...this.connections.keys()].join(', ')})`);
    }
    return connection;
  }

  /** Every connection, by name. */
  all(): ReadonlyMap<string, RedisConnection> {
    return this.connections;
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.connections.values()].map((c) => c.close()));
  }
}
