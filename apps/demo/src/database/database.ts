import { Logger } from '@nestjs/common';
import type { ChangeSourceClient } from 'nestjs-rediskit';

/** The rows of a query and how many rows it changed. */
export interface QueryResult<T> {
  rows: T[];
  affected: number;
}

/**
 * The little the demo needs from PostgreSQL: parameterized queries ($1, $2, ...) and
 * multi-statement scripts. Two implementations: embedded (PGlite) and a server (pg).
 */
export abstract class Database {
  abstract readonly kind: 'pglite' | 'postgres';
  abstract query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<T>>;
  abstract exec(sql: string): Promise<void>;
  abstract close(): Promise<void>;
  /** A connection for LISTEN (database invalidation): PGlite itself, or a new `pg` client. */
  abstract listener(): Promise<ChangeSourceClient>;
}

/** Embedded PostgreSQL compiled to WebAssembly: nothing to install. In memory unless `dir` is given. */
class PgliteDatabase extends Database {
  readonly kind = 'pglite' as const;
  constructor(private readonly db: import('@electric-sql/pglite').PGlite) {
    super();
  }

  async query<T>(sql: string, params: unknown[] = []): Promise<QueryResult<T>> {
    const result = await this.db.query<T>(sql, params);
    return { rows: result.rows, affected: result.affectedRows ?? 0 };
  }

  async exec(sql: string): Promise<void> {
    await this.db.exec(sql);
  }

  async close(): Promise<void> {
    await this.db.close();
  }

  async listener(): Promise<ChangeSourceClient> {
    return this.db;
  }
}

/** A PostgreSQL server through a `pg` pool. */
class PostgresDatabase extends Database {
  readonly kind = 'postgres' as const;
  constructor(
    private readonly pool: import('pg').Pool,
    private readonly url: string,
  ) {
    super();
  }

  async query<T>(sql: string, params: unknown[] = []): Promise<QueryResult<T>> {
    const result = await this.pool.query(sql, params);
    return { rows: result.rows as T[], affected: result.rowCount ?? 0 };
  }

  async exec(sql: string): Promise<void> {
    await this.pool.query(sql);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  async listener(): Promise<ChangeSourceClient> {
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: this.url, application_name: 'demo-invalidation' });
    await client.connect();
    return client;
  }
}

/** Opens the database the configuration names: a server when `url` is set, else PGlite. */
export async function openDatabase(options: { url?: string; dir?: string }): Promise<Database> {
  const logger = new Logger('Database');
  if (options.url) {
    const { default: pg } = await import('pg');
    const pool = new pg.Pool({ connectionString: options.url, max: 10 });
    await pool.query('SELECT 1'); // fail at boot, not on the first request
    logger.log(`PostgreSQL server ${new URL(options.url).host}`);
    return new PostgresDatabase(pool, options.url);
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const db = await PGlite.create(options.dir);
  logger.log(`Embedded PostgreSQL (PGlite) ${options.dir ? `in ${options.dir}` : 'in memory'}`);
  return new PgliteDatabase(db);
}
