import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import type { PrismaClientLike } from 'nestjs-rediskit/prisma';

const here = fileURLToPath(new URL('.', import.meta.url));

/**
 * Generates the test schema's client (test/prisma/.generated, not committed). Offline:
 * `prisma generate` needs no engine (the client is TypeScript plus a WebAssembly query
 * compiler), but the CLI downloads the schema engine (used by migrate) unless
 * PRISMA_SCHEMA_ENGINE_BINARY names one; a stub that is never run stands in for it.
 */
function generate(): void {
  const stub = join(mkdtempSync(join(tmpdir(), 'rk-prisma-')), 'schema-engine');
  writeFileSync(stub, '#!/bin/sh\nexit 1\n');
  chmodSync(stub, 0o755);
  const cli = createRequire(import.meta.url).resolve('prisma/build/index.js');
  execFileSync(process.execPath, [cli, 'generate', '--schema', join(here, 'schema.prisma')], {
    env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: stub, PRISMA_HIDE_UPDATE_MESSAGE: '1', CHECKPOINT_DISABLE: '1' },
    stdio: 'pipe',
  });
}

export const SCHEMA_SQL = `
CREATE TABLE "Product" (id serial PRIMARY KEY, name text NOT NULL, price int NOT NULL);
CREATE TABLE "Tag" (id serial PRIMARY KEY, label text NOT NULL, "productId" int NOT NULL REFERENCES "Product"(id) ON DELETE CASCADE);
INSERT INTO "Product" (name, price) VALUES ('keyboard', 100), ('mouse', 50);
INSERT INTO "Tag" (label, "productId") VALUES ('input', 1);`;

/** The generated client's model delegates the tests use (the generated types are not compiled by tsc). */
interface Delegate {
  findMany(args?: object): Promise<Record<string, unknown>[]>;
  findUnique(args: object): Promise<Record<string, unknown> | null>;
  count(args?: object): Promise<number>;
  create(args: object): Promise<Record<string, unknown>>;
  update(args: object): Promise<Record<string, unknown>>;
  delete(args: object): Promise<Record<string, unknown>>;
}
export interface TestPrisma extends PrismaClientLike {
  product: Delegate;
  tag: Delegate;
  $transaction(...args: unknown[]): Promise<unknown>;
  $disconnect(): Promise<void>;
}

/** A PGlite database with the schema, and a way to make Prisma clients on it that count the queries reaching it. */
export async function prismaDatabase(): Promise<{ db: PGlite; client(): TestPrisma; queries: { count: number } }> {
  generate();
  const { PrismaClient } = (await import(join(here, '.generated/client.ts'))) as { PrismaClient: new (o: object) => TestPrisma };
  const db = await PGlite.create();
  await db.exec(SCHEMA_SQL);
  const queries = { count: 0 };
  // Counted where the adapter reaches the database: outside transactions, every statement is a query().
  const counted = new Proxy(db, {
    get: (target, property) => {
      const value = Reflect.get(target, property, target) as unknown;
      if (property === 'query') return (...args: unknown[]) => (queries.count++, (value as (...a: unknown[]) => unknown).apply(target, args));
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  const client = () => new PrismaClient({ adapter: new PrismaPGlite(counted) });
  return { db, client, queries };
}
