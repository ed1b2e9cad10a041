import { toPositiveMs } from '../options/duration.js';
import type { ChangeSourceClient } from './change-feed.js';
import type { RowChange } from './change-payload.js';
import { changeChannel, watchedTable, type WatchedTable } from './change-triggers.js';
import type { DatabaseInvalidationOptions } from './db-invalidation.options.js';

/** What the `databaseInvalidation` options default to (their `@default` tags say the same), and internal limits. */
export const DB_INVALIDATION_DEFAULTS = {
  lease: 15_000,
  reconnectDelay: 1000,
  /** The reconnect delay doubles up to this. */
  maxReconnectDelay: 30_000,
  heartbeat: 10_000,
  maxIdsPerTable: 1000,
} as const;

/** The default tags of a change: the table, and the row when its id is known. */
export function defaultChangeTags(change: RowChange): string[] {
  return change.id === undefined ? [change.table] : [change.table, `${change.table}:${change.id}`];
}

/** The `databaseInvalidation` options with every default applied, durations in ms. */
export interface DbInvalidationSettings {
  connect: () => ChangeSourceClient | Promise<ChangeSourceClient>;
  tables: Required<WatchedTable>[];
  channel: string;
  installTriggers: boolean;
  lease: number;
  reconnectDelay: number;
  heartbeat: number;
  maxIdsPerTable: number;
  tags: (change: RowChange) => string[];
}

/** Applies the defaults of {@link DatabaseInvalidationOptions}. */
export function resolveDbInvalidationSettings(options: DatabaseInvalidationOptions): DbInvalidationSettings {
  return {
    connect: options.connect,
    tables: options.tables.map((t) => watchedTable(t)),
    channel: changeChannel(options.channel),
    installTriggers: !!options.installTriggers,
    lease: toPositiveMs(options.lease ?? DB_INVALIDATION_DEFAULTS.lease, 'databaseInvalidation.lease'),
    reconnectDelay: toPositiveMs(options.reconnectDelay ?? DB_INVALIDATION_DEFAULTS.reconnectDelay, 'databaseInvalidation.reconnectDelay'),
    heartbeat: toPositiveMs(options.heartbeat ?? DB_INVALIDATION_DEFAULTS.heartbeat, 'databaseInvalidation.heartbeat'),
    maxIdsPerTable: options.maxIdsPerTable ?? DB_INVALIDATION_DEFAULTS.maxIdsPerTable,
    tags: options.tags ?? defaultChangeTags,
  };
}
