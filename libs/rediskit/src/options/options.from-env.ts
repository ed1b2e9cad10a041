import { RediskitConfigError } from '../errors.js';
import type { RedisConnectionOptions, RedisNodeAddress } from './connection-options.js';
import { connectionDefaults } from './connection-defaults.js';
import { isDuration } from './duration.js';
import type { RedisModuleOptions } from './redis-module-options.js';

/** Capability defaults by NODE_ENV, used when the variable is not set (see the README table). */
export const ENV_DEFAULTS = {
  development: { cacheDefaultTtl: '1m', sessionTtl: '24h', maxSessionsPerUser: 10 },
  production: { cacheDefaultTtl: '5m', sessionTtl: '30m', maxSessionsPerUser: 5 },
  test: { cacheDefaultTtl: '10s', sessionTtl: '5m', maxSessionsPerUser: 5 },
} as const;

type Env = Record<string, string | undefined>;

/**
 * Builds module options from environment variables (REDIS_URL, REDIS_HOST, REDIS_PORT,
 * REDIS_CLUSTER_NODES, REDIS_SENTINELS, ... see the README). Throws one error listing every
 * malformed variable. Works with `ConfigService` too: pass `config.get` results or `process.env`.
 *
 * @example
 * RedisModule.forRootAsync({ inject: [ConfigService], useFactory: (c: ConfigService) => redisOptionsFromEnv(c.get('') ?? process.env) })
 */
export function redisOptionsFromEnv(env: Env = process.env): RedisModuleOptions {
  const problems: string[] = [];
  const read = new EnvReader(env, problems);
  const nodeEnv = (env.NODE_ENV ?? 'development') as keyof typeof ENV_DEFAULTS;
  const defaults = ENV_DEFAULTS[nodeEnv] ?? ENV_DEFAULTS.development;
  const tuningDefaults = connectionDefaults(nodeEnv);

  const tuning = {
    connectTimeout: read.duration('REDIS_CONNECT_TIMEOUT') ?? tuningDefaults.connectTimeout,
    commandTimeout: read.duration('REDIS_COMMAND_TIMEOUT') ?? tuningDefaults.commandTimeout,
    maxRetriesPerRequest: read.int('REDIS_MAX_RETRIES', 0) ?? tuningDefaults.maxRetriesPerRequest,
    keepAlive: read.duration('REDIS_KEEP_ALIVE') ?? tuningDefaults.keepAlive,
  };
  const auth = { username: env.REDIS_USERNAME || undefined, password: env.REDIS_PASSWORD || undefined, tls: read.bool('REDIS_TLS') };

  let connection: RedisConnectionOptions;
  const clusterNodes = read.nodes('REDIS_CLUSTER_NODES');
  const sentinels = read.nodes('REDIS_SENTINELS');
  if (clusterNodes) {
    connection = { cluster: { nodes: clusterNodes }, ...auth, ...tuning };
  } else if (sentinels) {
    if (!env.REDIS_SENTINEL_NAME) problems.push('REDIS_SENTINEL_NAME: required with REDIS_SENTINELS');
    connection = { sentinels, name: env.REDIS_SENTINEL_NAME ?? '', sentinelPassword: env.REDIS_SENTINEL_PASSWORD || undefined, db: read.int('REDIS_DB', 0), ...auth, ...tuning };
  } else if (env.REDIS_URL) {
    connection = { url: env.REDIS_URL, db: read.int('REDIS_DB', 0), ...auth, ...tuning };
  } else {
    connection = { host: env.REDIS_HOST || '127.0.0.1', port: read.int('REDIS_PORT', 1, 65535) ?? 6379, db: read.int('REDIS_DB', 0), ...auth, ...tuning };
  }

  const options: RedisModuleOptions = {
    connection: dropUndefined(connection),
    keyspace: { prefix: env.REDIS_KEY_PREFIX || 'rk', env: nodeEnv },
    cache: { defaultTtl: read.duration('CACHE_DEFAULT_TTL') ?? defaults.cacheDefaultTtl },
    session: {
      ttl: read.duration('SESSION_TTL') ?? defaults.sessionTtl,
      maxPerUser: read.int('MAX_SESSIONS_PER_USER', 1) ?? defaults.maxSessionsPerUser,
    },
  };
  if (problems.length > 0) throw new RediskitConfigError(problems);
  return options;
}

/** Reads typed values from env, collecting one problem per malformed variable. */
class EnvReader {
  constructor(
    private readonly env: Env,
    private readonly problems: string[],
  ) {}

  int(name: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
    const raw = this.env[name];
    if (raw === undefined || raw === '') return undefined;
    const n = Number(raw);
    if (Number.isInteger(n) && n >= min && n <= max) return n;
    this.problems.push(`${name}: must be an integer from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ''}, got "${raw}"`);
    return undefined;
  }

  duration(name: string): string | number | undefined {
    const raw = this.env[name];
    if (raw === undefined || raw === '') return undefined;
    if (isDuration(raw)) return /^\d+$/.test(raw) ? Number(raw) : raw;
    this.problems.push(`${name}: must be milliseconds or a duration like '15m', got "${raw}"`);
    return undefined;
  }

  bool(name: string): boolean | undefined {
    const raw = this.env[name]?.toLowerCase();
    if (raw === undefined || raw === '') return undefined;
    if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
    if (['0', 'false', 'no', 'off'].includes(raw)) return false;
    this.problems.push(`${name}: must be true or false, got "${this.env[name]}"`);
    return undefined;
  }

  /** `host:port,host:port` or a JSON array of `{ host, port }`. */
  nodes(name: string): RedisNodeAddress[] | undefined {
    const raw = this.env[name]?.trim();
    if (!raw) return undefined;
    try {
      const list: unknown = raw.startsWith('[') ? JSON.parse(raw) : raw.split(',').map(parseHostPort);
      if (Array.isArray(list) && list.length > 0 && list.every(isNode)) return list;
    } catch {
      // reported below
    }
    this.problems.push(`${name}: must be "host:port,host:port" or a JSON array of { host, port }, got "${raw}"`);
    return undefined;
  }
}

function parseHostPort(entry: string): RedisNodeAddress {
  const at = entry.trim().lastIndexOf(':');
  return { host: entry.trim().slice(0, at).replace(/^\[|\]$/g, ''), port: Number(entry.trim().slice(at + 1)) };
}

function isNode(n: unknown): n is RedisNodeAddress {
  const node = n as RedisNodeAddress;
  return !!node && typeof node.host === 'string' && node.host.length > 0 && Number.isInteger(node.port) && node.port > 0 && node.port < 65536;
}

function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
