import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { CacheService, DatabaseInvalidationService, MetricsService, RedisModule, type ChangeSourceClient, type DatabaseInvalidationOptions, type RedisConnectionOptions } from 'nestjs-rediskit';

/** The local PostgreSQL server the tests use when it answers (trust auth). */
export const LOCAL_POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** True when the local PostgreSQL answers within a second. */
export async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: LOCAL_POSTGRES_URL, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * A database for one test file: a table of its own (several suites share the server), SQL
 * "from outside the app", listener connections for the apps, and a way to drop those.
 */
export interface DbFixture {
  /** The watched table (unique per fixture). */
  table: string;
  /** A second table, not watched. */
  other: string;
  channel: string;
  /** SQL run outside the app, like psql or another service would. */
  exec(sql: string): Promise<void>;
  price(id: number): Promise<number>;
  connect(): Promise<ChangeSourceClient>;
  /** Drops every listener connection opened so far, as a database restart or a network cut would. */
  kill(): Promise<void>;
  close(): Promise<void>;
}

function names(): Pick<DbFixture, 'table' | 'other' | 'channel'> {
  const suffix = randomBytes(4).toString('hex');
  return { table: `rk_items_${suffix}`, other: `rk_other_${suffix}`, channel: `rk_changes_${suffix}` };
}

const schema = (f: Pick<DbFixture, 'table' | 'other'>) => `
CREATE TABLE ${f.table} (id integer PRIMARY KEY, price integer NOT NULL);
CREATE TABLE ${f.other} (id integer PRIMARY KEY, price integer NOT NULL);
INSERT INTO ${f.table} VALUES (1, 100), (2, 200);
INSERT INTO ${f.other} VALUES (1, 100);`;

/** PGlite: "connections" are views of one database; a killed view fails its queries and drops notifications. */
export async function pgliteFixture(): Promise<DbFixture> {
  const n = names();
  const db = await PGlite.create();
  await db.exec(schema(n));
  const views: { dead: boolean }[] = [];
  const fixture: DbFixture = {
    ...n,
    exec: async (sql) => void (await db.exec(sql)),
    price: async (id) => (await db.query<{ price: number }>(`SELECT price FROM ${n.table} WHERE id = $1`, [id])).rows[0].price,
    connect: async () => {
      const view = { dead: false };
      views.push(view);
      const alive = () => (view.dead ? Promise.reject(new Error('terminated')) : undefined);
      return {
        query: (sql: string) => alive() ?? db.query(sql),
        exec: (sql: string) => alive() ?? db.exec(sql),
        listen: (channel: string, callback: (payload: string) => void) => db.listen(channel, (payload) => view.dead || callback(payload)),
      };
    },
    kill: async () => views.forEach((v) => (v.dead = true)),
    close: () => db.close(),
  };
  return fixture;
}

/** The local PostgreSQL server: listener connections are tagged by application_name so they can be terminated. */
export async function postgresFixture(): Promise<DbFixture> {
  const n = names();
  const admin = new pg.Client({ connectionString: LOCAL_POSTGRES_URL });
  await admin.connect();
  await admin.query(schema(n));
  return {
    ...n,
    exec: async (sql) => void (await admin.query(sql)),
    price: async (id) => (await admin.query(`SELECT price FROM ${n.table} WHERE id = $1`, [id])).rows[0].price,
    connect: async () => {
      const client = new pg.Client({ connectionString: LOCAL_POSTGRES_URL, application_name: n.channel });
      client.on('error', () => undefined); // the feed listens too; this keeps a late error from crashing the test
      await client.connect();
      return client;
    },
    kill: async () => void (await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [n.channel])),
    close: async () => {
      await admin.query(`DROP TABLE IF EXISTS ${n.table}, ${n.other}; DROP FUNCTION IF EXISTS rediskit_notify_${n.channel}() CASCADE`).catch(() => undefined);
      await admin.end();
    },
  };
}

/** One app instance with the cache, locks and database invalidation. */
export interface DbApp {
  app: INestApplication;
  cache: CacheService;
  invalidation: DatabaseInvalidationService;
  metric(name: string, labels?: string): Promise<number>;
  close(): Promise<void>;
}

export async function startDbApp(connection: RedisConnectionOptions, prefix: string, db: DbFixture, options: Partial<DatabaseInvalidationOptions> = {}): Promise<DbApp> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      RedisModule.forRoot({
        connection: { ...connection, commandTimeout: 1000 } as RedisConnectionOptions,
        keyspace: { prefix },
        databaseInvalidation: { connect: () => db.connect(), tables: [db.table], channel: db.channel, installTriggers: true, lease: '10s', reconnectDelay: 100, heartbeat: 500, ...options },
      }),
    ],
  }).compile();
  const app = await moduleRef.createNestApplication({ logger: false }).init();
  const metrics = app.get(MetricsService);
  return {
    app,
    cache: app.get(CacheService),
    invalidation: app.get(DatabaseInvalidationService),
    metric: async (name, labels = '') => {
      const line = (await metrics.text()).split('\n').find((l) => l.startsWith(`rediskit_${name}${labels ? `{${labels}}` : ''} `));
      return line ? Number(line.split(' ')[1]) : 0;
    },
    close: () => app.close(),
  };
}

/** Resolves when `check` is true (polling), or fails after `timeout` (a liveness bound, not a timing). */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, timeout = 15_000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}
