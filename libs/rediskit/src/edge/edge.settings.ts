import { toMs } from '../options/duration.js';
import type { EdgeOptions } from './edge.options.js';
import type { PurgeQueueSettings } from './purge.queue.js';

/** What the `edge` options default to (their `@default` tags say the same). */
export const EDGE_DEFAULTS = { maxQueue: 10_000, attempts: 5, minDelay: 250, maxDelay: 30_000, timeout: 10_000 } as const;

/** The `edge` options with every default applied, durations in ms (the provider stays in the options). */
export interface EdgeSettings extends PurgeQueueSettings {
  /** Whether tag invalidations purge the edge. */
  invalidateTags: boolean;
  /** The namespaces whose `clear()` purges everything; `true`: any. */
  clear: boolean | string[];
}

/** Applies the defaults of {@link EdgeOptions}; `httpNamespace` is the HTTP cache's, whose `clear()` purges everything by default. */
export function resolveEdgeSettings(options: EdgeOptions = {}, httpNamespace = 'http'): EdgeSettings {
  const retry = options.retry ?? {};
  return {
    maxQueue: options.maxQueue ?? EDGE_DEFAULTS.maxQueue,
    attempts: retry.attempts ?? EDGE_DEFAULTS.attempts,
    minDelay: toMs(retry.minDelay ?? EDGE_DEFAULTS.minDelay, 'edge.retry.minDelay'),
    maxDelay: toMs(retry.maxDelay ?? EDGE_DEFAULTS.maxDelay, 'edge.retry.maxDelay'),
    timeout: toMs(options.timeout ?? EDGE_DEFAULTS.timeout, 'edge.timeout'),
    invalidateTags: options.purgeOn?.invalidateTags ?? true,
    clear: options.purgeOn?.clear ?? [httpNamespace],
  };
}
