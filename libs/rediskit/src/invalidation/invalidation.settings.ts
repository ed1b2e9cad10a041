import { resolveCommandSettings, type CommandSettings } from '../options/command-settings.js';
import type { InvalidationOptions } from './invalidation.options.js';
import type { InvalidationRule } from './invalidation.rules.js';

/** What the `invalidation` options default to (their `@default` tags say the same), and internal tuning. */
export const INVALIDATION_DEFAULTS = {
  streamLength: 10_000,
  backlog: 10_000,
  maxEventSize: 16 * 1024,
  /** Events appended or read per Redis call. */
  batch: 100,
  /** How long one blocking read waits for new events before it asks again. */
  readBlock: 1000,
  /** Delay before appending or reading again after a failure (doubles up to 5 s). */
  retryDelay: 100,
  maxRetryDelay: 5000,
} as const;

/** The `invalidation` options with every default applied, durations in ms. */
export interface InvalidationSettings extends CommandSettings {
  rules: InvalidationRule[];
  streamLength: number;
  backlog: number;
  maxEventSize: number;
  eventEmitter: boolean;
  emitRemoteEvents: boolean;
}

/** Applies the defaults of {@link InvalidationOptions}. */
export function resolveInvalidationSettings(options: InvalidationOptions = {}): InvalidationSettings {
  return {
    ...resolveCommandSettings(options, 'invalidation'),
    rules: options.rules ?? [],
    streamLength: options.streamLength ?? INVALIDATION_DEFAULTS.streamLength,
    backlog: options.backlog ?? INVALIDATION_DEFAULTS.backlog,
    maxEventSize: options.maxEventSize ?? INVALIDATION_DEFAULTS.maxEventSize,
    eventEmitter: options.eventEmitter !== false,
    emitRemoteEvents: !!options.emitRemoteEvents,
  };
}
