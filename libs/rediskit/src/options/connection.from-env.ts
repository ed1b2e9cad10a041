import type { RedisConnectionOptions } from './connection-options.js';
import { connectionDefaults } from './connection-defaults.js';
import type { EnvReader } from './env-reader.js';

/**
 * The default connection from REDIS_* variables: a cluster (REDIS_CLUSTER_NODES), Sentinel
 * (REDIS_SENTINELS + REDIS_SENTINEL_NAME), a URL (REDIS_URL) or host and port, with the
 * credentials and tuning variables; unset tuning takes the NODE_ENV defaults.
 */
export function connectionFromEnv(read: EnvReader, nodeEnv: string | undefined): RedisConnectionOptions {
  const defaults = connectionDefaults(nodeEnv);
  const tuning = {
    connectTimeout: read.duration('REDIS_CONNECT_TIMEOUT') ?? defaults.connectTimeout,
    commandTimeout: read.duration('REDIS_COMMAND_TIMEOUT') ?? defaults.commandTimeout,
    maxRetriesPerRequest: read.int('REDIS_MAX_RETRIES', 0) ?? defaults.maxRetriesPerRequest,
    keepAlive: read.duration('REDIS_KEEP_ALIVE') ?? defaults.keepAlive,
  };
  const auth = { username: read.string('REDIS_USERNAME'), password: read.string('REDIS_PASSWORD'), tls: read.bool('REDIS_TLS') };
  const clusterNodes = read.nodes('REDIS_CLUSTER_NODES');
  const sentinels = read.nodes('REDIS_SENTINELS');
  let connection: RedisConnectionOptions;
  if (clusterNodes) {
    connection = { cluster: { nodes: clusterNodes }, ...auth, ...tuning };
  } else if (sentinels) {
    const name = read.string('REDIS_SENTINEL_NAME');
    if (!name) read.problems.push('REDIS_SENTINEL_NAME: required with REDIS_SENTINELS');
    connection = { sentinels, name: name ?? '', sentinelPassword: read.string('REDIS_SENTINEL_PASSWORD'), db: read.int('REDIS_DB', 0), ...auth, ...tuning };
  } else if (read.string('REDIS_URL')) {
    connection = { url: read.string('REDIS_URL')!, db: read.int('REDIS_DB', 0), ...auth, ...tuning };
  } else {
    connection = { host: read.string('REDIS_HOST') ?? '127.0.0.1', port: read.int('REDIS_PORT', 1, 65535) ?? 6379, db: read.int('REDIS_DB', 0), ...auth, ...tuning };
  }
  return dropUndefined(connection);
}

function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
