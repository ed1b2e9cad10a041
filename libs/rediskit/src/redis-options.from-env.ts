import type { CapabilitySection } from './capability.js';
import { CAPABILITIES } from './capabilities.js';
import { RediskitConfigError } from './errors.js';
import { connectionFromEnv } from './options/connection.from-env.js';
import { EnvReader, nodeEnvOf, type Env } from './options/env-reader.js';
import type { RedisModuleOptions } from './options/redis-module-options.js';

/**
 * Builds module options from environment variables: the connection (REDIS_URL, REDIS_HOST,
 * REDIS_PORT, REDIS_CLUSTER_NODES, REDIS_SENTINELS, ...), the keyspace (REDIS_KEY_PREFIX, and
 * NODE_ENV as its `env` segment) and the sections capabilities read (CACHE_DEFAULT_TTL,
 * SESSION_TTL, MAX_SESSIONS_PER_USER); see docs/configuration.md. Throws one error listing
 * every malformed variable. Works with `ConfigService` too: pass its values or `process.env`.
 *
 * @example
 * RedisModule.forRootAsync({ useFactory: () => redisOptionsFromEnv() })
 */
export function redisOptionsFromEnv(env: Env = process.env): RedisModuleOptions {
  const read = new EnvReader(env);
  const nodeEnv = nodeEnvOf(env);
  const options: RedisModuleOptions = {
    connection: connectionFromEnv(read, env.NODE_ENV),
    keyspace: { prefix: read.string('REDIS_KEY_PREFIX') ?? 'rk', env: env.NODE_ENV ?? 'development' },
  };
  const sections = options as Partial<Record<CapabilitySection, unknown>>;
  for (const capability of CAPABILITIES) {
    const section = capability.fromEnv?.(read, nodeEnv);
    if (section !== undefined) sections[capability.section] = section;
  }
  if (read.problems.length > 0) throw new RediskitConfigError(read.problems);
  return options;
}
