import type { NodeEnvName } from './env-reader.js';

/** A table of defaults with one column per NODE_ENV: the one mechanism every capability uses. */
export type ByNodeEnv<T> = Readonly<Record<NodeEnvName, T>>;

/**
 * The column of `table` for `nodeEnv` (anything but `production` and `test` counts as
 * development).
 *
 * @example
 * const { ttl } = byNodeEnv(SESSION_ENV_DEFAULTS); // 24h in development, 30m in production, 5m in tests
 */
export function byNodeEnv<T>(table: ByNodeEnv<T>, nodeEnv: string | undefined = process.env.NODE_ENV): T {
  return nodeEnv === 'production' || nodeEnv === 'test' ? table[nodeEnv] : table.development;
}
