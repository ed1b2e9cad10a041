import { byNodeEnv, type ByNodeEnv } from './by-node-env.js';

/** Connection tuning applied when an option is not set, by NODE_ENV (see the README table). */
export interface ConnectionDefaults {
  connectTimeout: number;
  commandTimeout: number;
  maxRetriesPerRequest: number;
  keepAlive: number;
  reconnectBaseDelay: number;
  reconnectMaxDelay: number;
}

// commandTimeout is every call's time budget unless a capability sets its own. The reconnect
// backoff is capped low so a connection is back within about half a second of Redis answering
// (full jitter spreads the attempts of many instances).
export const CONNECTION_DEFAULTS: ByNodeEnv<ConnectionDefaults> = {
  development: { connectTimeout: 10_000, commandTimeout: 2_000, maxRetriesPerRequest: 3, keepAlive: 30_000, reconnectBaseDelay: 50, reconnectMaxDelay: 500 },
  production: { connectTimeout: 10_000, commandTimeout: 1_000, maxRetriesPerRequest: 2, keepAlive: 30_000, reconnectBaseDelay: 50, reconnectMaxDelay: 500 },
  test: { connectTimeout: 2_000, commandTimeout: 1_000, maxRetriesPerRequest: 1, keepAlive: 0, reconnectBaseDelay: 50, reconnectMaxDelay: 250 },
};

/** The defaults for `NODE_ENV` (anything unknown counts as development). */
export function connectionDefaults(nodeEnv = process.env.NODE_ENV): ConnectionDefaults {
  return byNodeEnv(CONNECTION_DEFAULTS, nodeEnv);
}
