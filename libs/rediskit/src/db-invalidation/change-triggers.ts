import { RediskitArgumentError } from '../errors.js';

/** A table whose writes invalidate the cache: its name (optionally `schema.table`) and primary key column. */
export interface WatchedTable {
  /** `products` or `shop.products`. */
  table: string;
  /** The primary key column whose value goes into the notification. @default `'id'` */
  key?: string;
}

/** A table given by name (key `id`) or with its key column. */
export type WatchedTableInput = string | WatchedTable;

/** Names that need no quoting, so nothing from the options can escape into the SQL. */
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** The notification channel when none is given. */
export const DEFAULT_CHANGE_CHANNEL = 'rediskit_changes';

/** Largest payload the trigger sends: PostgreSQL refuses 8000 bytes or more. */
export const MAX_PAYLOAD_BYTES = 7900;

/** The key values longer than this are not sent: the notification then names the table only. */
export const MAX_KEY_LENGTH = 256;

/** `'products'` → `{ table: 'products', key: 'id' }`, checked so that it is safe to put in SQL. */
export function watchedTable(input: WatchedTableInput, argument = 'tables'): Required<WatchedTable> {
  const spec = typeof input === 'string' ? { table: input } : input;
  const table = spec?.table;
  const key = spec?.key ?? 'id';
  const parts = typeof table === 'string' ? table.split('.') : [];
  if (parts.length < 1 || parts.length > 2 || !parts.every((p) => IDENTIFIER.test(p))) {
    throw new RediskitArgumentError(argument, `a table must be a lower-case name or schema.name of letters, digits and _, got ${JSON.stringify(table)}`);
  }
  if (typeof key !== 'string' || !IDENTIFIER.test(key)) throw new RediskitArgumentError(argument, `a key column must be a lower-case name of letters, digits and _, got ${JSON.stringify(key)}`);
  return { table, key };
}

/** Checks a notification channel name (PostgreSQL identifiers; PGlite lower-cases them). */
export function changeChannel(channel: unknown = DEFAULT_CHANGE_CHANNEL): string {
  if (typeof channel !== 'string' || !IDENTIFIER.test(channel)) throw new RediskitArgumentError('channel', `must be a lower-case name of letters, digits and _, got ${JSON.stringify(channel)}`);
  return channel;
}

/** The table's name without its schema: what the notification and the tags carry. */
export function bareName(table: string): string {
  return table.slice(table.indexOf('.') + 1);
}

/**
 * The SQL that makes every insert, update and delete on `tables` notify `channel` with
 * `{"t": table, "op": "insert" | "update" | "delete", "id": key}` (a primary key change also
 * notifies the old key). A key longer than {@link MAX_KEY_LENGTH} characters is left out: the
 * listener then invalidates the whole table. Idempotent: run it at every boot or in a migration;
 * an existing trigger is kept (drop it to change its key column).
 *
 * @example
 * await pool.query(changeTriggersSql({ tables: ['products', { table: 'orders', key: 'order_id' }] }));
 */
export function changeTriggersSql(options: { tables: WatchedTableInput[]; channel?: string }): string {
  if (!Array.isArray(options?.tables) || options.tables.length === 0) throw new RediskitArgumentError('tables', 'must be a non-empty array');
  const channel = changeChannel(options.channel);
  const fn = `rediskit_notify_${channel}`;
  const triggers = options.tables.map((input) => {
    const { table, key } = watchedTable(input);
    const name = `rediskit_${channel}_${bareName(table)}`.slice(0, 63);
    // Created only when missing: replacing a trigger locks the table against writes.
    return `DO $rediskit$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = '${name}' AND tgrelid = '${table}'::regclass) THEN
    CREATE TRIGGER ${name} AFTER INSERT OR UPDATE OR DELETE ON ${table}
      FOR EACH ROW EXECUTE FUNCTION ${fn}('${key}');
  END IF;
END $rediskit$;`;
  });
  return `CREATE OR REPLACE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $rediskit$
DECLARE
  key_column text := TG_ARGV[0];
  new_key text;
  old_key text;
BEGIN
  IF TG_OP <> 'DELETE' THEN new_key := to_jsonb(NEW) ->> key_column; END IF;
  IF TG_OP <> 'INSERT' THEN old_key := to_jsonb(OLD) ->> key_column; END IF;
  IF length(new_key) > ${MAX_KEY_LENGTH} THEN new_key := NULL; END IF;
  IF length(old_key) > ${MAX_KEY_LENGTH} THEN old_key := NULL; END IF;
  IF TG_OP = 'UPDATE' AND old_key IS DISTINCT FROM new_key THEN
    PERFORM pg_notify('${channel}', json_build_object('t', TG_TABLE_NAME, 'op', 'update', 'id', old_key)::text);
  END IF;
  PERFORM pg_notify('${channel}', json_build_object('t', TG_TABLE_NAME, 'op', lower(TG_OP), 'id', coalesce(new_key, old_key))::text);
  RETURN NULL;
END
$rediskit$;
${triggers.join('\n')}
`;
}

/** Something that runs SQL: a `pg` Client or Pool, or a PGlite instance. */
export interface SqlRunner {
  query(sql: string): Promise<unknown>;
}

/**
 * Installs the change triggers (see {@link changeTriggersSql}) with `db`: a `pg` Client or
 * Pool, or PGlite. Needs the right to create functions and triggers on the tables.
 *
 * @example
 * await installChangeTriggers(pool, { tables: ['products', 'orders'] });
 */
export async function installChangeTriggers(db: SqlRunner & { exec?: (sql: string) => Promise<unknown> }, options: { tables: WatchedTableInput[]; channel?: string }): Promise<void> {
  const sql = changeTriggersSql(options);
  // PGlite runs several statements with exec(); pg does with query() (simple protocol).
  if (typeof db.exec === 'function') await db.exec(sql);
  else await db.query(sql);
}
