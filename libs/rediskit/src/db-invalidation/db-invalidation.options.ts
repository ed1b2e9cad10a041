import 'reflect-metadata';
import { ArrayMinSize, IsArray, IsBoolean, IsInt, IsOptional, Max, Min, ValidateBy, type ValidationOptions } from 'class-validator';
import type { Duration } from '../options/duration.js';
import { IsPositiveDuration } from '../options/is-duration.decorator.js';
import type { ChangeSourceClient } from './change-feed.js';
import type { RowChange } from './change-payload.js';
import { changeChannel, watchedTable, type WatchedTableInput } from './change-triggers.js';

/**
 * The `databaseInvalidation` section: writes to PostgreSQL tables, made by anyone (other
 * services, psql, migrations), invalidate cache tags on every instance. Triggers NOTIFY a
 * channel; one instance per deployment (holding a `LockService` lease) LISTENs and calls
 * `CacheService.invalidateTags`. See docs/database-invalidation.md.
 *
 * @example
 * RedisModule.forRoot({ connection, databaseInvalidation: {
 *   connect: async () => { const c = new pg.Client(url); await c.connect(); return c; },
 *   tables: ['products', { table: 'orders', key: 'order_id' }],
 * } })
 */
export interface DatabaseInvalidationOptions {
  /**
   * Returns the connection to LISTEN on: a connected `pg` Client (ended when the feed closes,
   * and asked for again after the connection drops), or a PGlite instance (never closed here).
   * Not a pool: LISTEN needs one dedicated connection.
   */
  connect: () => ChangeSourceClient | Promise<ChangeSourceClient>;
  /** The watched tables: a name (`'products'`, `'shop.products'`; key column `id`) or `{ table, key }`. */
  tables: WatchedTableInput[];
  /** The NOTIFY channel (lower-case letters, digits, `_`). @default `'rediskit_changes'` */
  channel?: string;
  /**
   * Install the triggers (idempotent SQL, see `changeTriggersSql`) through the listening
   * connection each time an instance becomes the listener. Needs the right to create
   * functions and triggers; off, install them in a migration.
   * @default false
   */
  installTriggers?: boolean;
  /** Length of the listener's lease: another instance takes over at most this long after the listener dies. @default `'15s'` */
  lease?: Duration;
  /** First pause before reconnecting to the database; doubles on each failure up to 30 s. @default `'1s'` */
  reconnectDelay?: Duration;
  /** A `SELECT 1` on the listening connection this often, which must answer within it, detects a hung connection. @default `'10s'` */
  heartbeat?: Duration;
  /** Most row ids of one table in one invalidation; beyond, that table's table-wide tags alone. @default 1000 */
  maxIdsPerTable?: number;
  /**
   * The tags a change invalidates; `change.id` is absent for table-wide invalidations (after a
   * reconnect, a failover, a bulk write, a key too long to send).
   * @default `[table]` plus `table:id` when the id is known
   */
  tags?: (change: RowChange) => string[];
}

function check(name: string, test: (v: unknown) => boolean, message: string, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy({ name, validator: { validate: test, defaultMessage: (a) => `${a?.property} ${message}` } }, options);
}

const throwsNot = (fn: () => unknown) => {
  try {
    fn();
    return true;
  } catch {
    return false;
  }
};

/** Validates the `databaseInvalidation` section at boot. */
export class DatabaseInvalidationOptionsDto {
  @check('isFunction', (v) => typeof v === 'function', 'must be a function returning a connected pg Client or a PGlite instance') connect: () => ChangeSourceClient;
  @IsArray() @ArrayMinSize(1) @check('isTables', (v) => Array.isArray(v) && v.every((t) => throwsNot(() => watchedTable(t as WatchedTableInput))), 'must be lower-case table names (or schema.table) or { table, key }')
  tables: WatchedTableInput[];
  @IsOptional() @check('isChannel', (v) => throwsNot(() => changeChannel(v)), 'must be a lower-case name of letters, digits and _ (at most 63)') channel?: string;
  @IsOptional() @IsBoolean() installTriggers?: boolean;
  @IsOptional() @IsPositiveDuration() lease?: Duration;
  @IsOptional() @IsPositiveDuration() reconnectDelay?: Duration;
  @IsOptional() @IsPositiveDuration() heartbeat?: Duration;
  @IsOptional() @IsInt() @Min(1) @Max(100_000) maxIdsPerTable?: number;
  @IsOptional() @check('isFunction', (v) => typeof v === 'function', 'must be a function (change) => string[]') tags?: (change: RowChange) => string[];
}

declare module '../options/redis-module-options.js' {
  interface RedisModuleOptions {
    /** Invalidation from PostgreSQL writes (`DatabaseInvalidationService`). */
    databaseInvalidation?: DatabaseInvalidationOptions;
  }
}
