/** Connection tuning applied when an option is not set, by NODE_ENV (see the README table). */
export interface ConnectionDefaults {
  connectTimeout: number;
  commandTimeout: number;
  maxRetriesPerRequest: number;
  keepAlive: number;
  reconnectBaseDelay: number;
  reconnectMaxDelay: number;
}

export const CONNECTION_DEFAULTS: Record<'development' | 'production' | 'test', ConnectionDefaults> = {
  development: { connectTimeout: 10_000, commandTimeout: 5_000, maxRetriesPerRequest: 3, keepAlive: 30_000, reconnectBaseDelay: 100, reconnectMaxDelay: 5_000 },
  production: { connectTimeout: 10_000, commandTimeout: 2_000, maxRetriesPerRequest: 2, keepAlive: 30_000, reconnectBaseDelay: 100, reconnectMaxDelay: 10_000 },
  test: { connectTimeout: 2_000, commandTimeout: 1_000, maxRetriesPerRequest: 1, keepAlive: 0, reconnectBaseDelay: 50, reconnectMaxDelay: 500 },
};

/** The defaults for `NODE_ENV` (anything unknown counts as development). */
export function connectionDefaults(nodeEnv = process.env.NODE_ENV): ConnectionDefaults {
  return CONNECTION_DEFAULTS[nodeEnv as keyof typeof CONNECTION_DEFAULTS] ?? CONNECTION_DEFAULTS.development;
}
