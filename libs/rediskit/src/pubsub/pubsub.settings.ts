import { resolveCommandSettings, type CommandSettings } from '../options/command-settings.js';
import { hostname } from 'node:os';
import { toMs, toPositiveMs } from '../options/duration.js';
import type { PubSubOptions } from './pubsub.options.js';

/** What the `pubsub` options default to (their `@default` tags say the same). */
export const PUBSUB_DEFAULTS = {
  reconnectBaseDelay: 50,
  reconnectMaxDelay: 500,
  inboxMaxLength: 1000,
  inboxRetention: 7 * 24 * 3600 * 1000,
  maxMessageSize: 1024 * 1024,
} as const;

/** The `pubsub` options with every default applied, durations in ms. */
export interface PubSubSettings extends CommandSettings {
  sharded: boolean;
  source: string;
  reconnect: { baseDelay: number; maxDelay: number };
  inboxMaxLength: number;
  inboxRetention: number;
  maxMessageSize: number;
}

/** Applies the defaults of {@link PubSubOptions}. */
export function resolvePubSubSettings(options: PubSubOptions = {}): PubSubSettings {
  return {
    ...resolveCommandSettings(options, 'pubsub'),
    sharded: !!options.sharded,
    source: options.source ?? `${hostname()}:${process.pid}`,
    reconnect: {
      baseDelay: toMs(options.reconnect?.baseDelay ?? PUBSUB_DEFAULTS.reconnectBaseDelay, 'pubsub.reconnect.baseDelay'),
      maxDelay: toMs(options.reconnect?.maxDelay ?? PUBSUB_DEFAULTS.reconnectMaxDelay, 'pubsub.reconnect.maxDelay'),
    },
    inboxMaxLength: options.inbox?.maxLength ?? PUBSUB_DEFAULTS.inboxMaxLength,
    inboxRetention: toPositiveMs(options.inbox?.retention ?? PUBSUB_DEFAULTS.inboxRetention, 'pubsub.inbox.retention'),
    maxMessageSize: options.maxMessageSize ?? PUBSUB_DEFAULTS.maxMessageSize,
  };
}
