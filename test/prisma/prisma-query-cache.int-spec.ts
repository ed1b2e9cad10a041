import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { CacheService, RedisModule } from 'nestjs-rediskit';
import { withQueryCache } from 'nestjs-rediskit/prisma';
import { eventually } from '../db-invalidation/db-fixtures.js';
import { RedisServer } from '../harness/index.js';
import { prismaDatabase, type TestPrisma } from './prisma-fixtures.js';

describe('withQueryCache: Prisma 7 on PGlite (pglite-prisma-adapter), the cache on Redis', () => {
  let redis: RedisServer;
  let database: Awaited<ReturnType<typeof prismaDatabase>>;
  const apps: INestApplication[] = [];
  let a: TestPrisma;
  let b: TestPrisma;

  beforeAll(async () => {
    [redis, database] = await Promise.all([RedisServer.start(), prismaDatabase()]);
    // Two app instances: their own memory layer and client, one Redis, one database.
    for (let i = 0; i < 2; i++) {
      const moduleRef = await Test.createTestingModule({ imports: [RedisModule.forRoot({ connection: { url: redis.url }, keyspace: { prefix: 'pq' } })] }).compile();
      apps.push(await moduleRef.createNestApplication({ logger: false }).init());
    }
    [a, b] = apps.map((app) => withQueryCache(database.client(), app.get(CacheService), { ttl: '5m' }));
  }, 120_000);
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await database?.db.close();
    await redis?.stop();
  });

  /** Runs `fn` and says how many queries reached the database. */
  const queriesOf = async (fn: () => Promise<unknown>) => {
    const before = database.queries.count;
    await fn();
    return database.queries.count - before;
  };
  const price = async (client: TestPrisma, id = 1) => (await client.product.findUnique({ where: { id } }))?.price;

  it('caches reads by model, operation and arguments', async () => {
    expect(await queriesOf(() => a.product.findMany({ orderBy: { id: 'asc' } }))).toBe(1);
    expect(await queriesOf(() => a.product.findMany({ orderBy: { id: 'asc' } }))).toBe(0);
    expect(await queriesOf(() => b.product.findMany({ orderBy: { id: 'asc' } }))).toBe(0); // the other instance, from Redis
    expect(await queriesOf(() => a.product.findMany({ orderBy: { id: 'desc' } }))).toBe(1); // other arguments
    expect(await queriesOf(() => a.product.count())).toBe(1);
  });

  it('a write through one instance invalidates the reads of its model on both', async () => {
    expect([await price(a), await price(b)]).toEqual([100, 100]);
    await b.product.update({ where: { id: 1 }, data: { price: 120 } });
    expect(await price(b)).toBe(120); // the writing instance: at once
    await eventually(async () => (await price(a)) === 120, 'the other instance to drop its copy'); // the others: by the bus
    expect(await queriesOf(() => b.product.count())).toBe(1); // count was invalidated too
  });

  it('nested writes invalidate the models they reach, and reads including a relation follow it', async () => {
    const withTags = () => a.product.findUnique({ where: { id: 1 }, include: { tags: true } });
    const labels = async () => ((await withTags())?.tags as { label: string }[]).map((t) => t.label);
    expect(await labels()).toEqual(['input']);
    expect(await queriesOf(() => a.tag.count())).toBe(1);
    await a.product.update({ where: { id: 1 }, data: { tags: { create: [{ label: 'usb' }] } } });
    expect(await labels()).toEqual(['input', 'usb']);
    expect(await a.tag.count()).toBe(2);
    await a.tag.create({ data: { label: 'wireless', productId: 1 } }); // a write to Tag alone
    expect(await labels()).toEqual(['input', 'usb', 'wireless']);
  });

  it('a delete invalidates the models its cascade reaches', async () => {
    const created = await a.product.create({ data: { name: 'cable', price: 5, tags: { create: [{ label: 'spare' }] } } });
    const spare = () => a.tag.count({ where: { label: 'spare' } });
    expect(await spare()).toBe(1);
    await a.product.delete({ where: { id: created.id } }); // ON DELETE CASCADE removes the tag
    expect(await spare()).toBe(0);
  });

  it('inside an interactive transaction: reads bypass the cache, invalidation waits for the commit', async () => {
    expect(await price(a, 2)).toBe(50);
    await a.$transaction(async (tx: unknown) => {
      const t = tx as TestPrisma;
      await t.product.update({ where: { id: 2 }, data: { price: 55 } });
      expect(await price(t, 2)).toBe(55); // its own write, not the cached value
      expect(await queriesOf(() => price(b, 2))).toBe(0); // not invalidated before the commit
      expect(await price(b, 2)).toBe(50);
    });
    expect(await price(a, 2)).toBe(55);
    await eventually(async () => (await price(b, 2)) === 55, 'the other instance');
  });

  it('a rolled-back transaction leaves the cached reads valid; a batch transaction invalidates after it', async () => {
    expect(await price(a, 2)).toBe(55);
    await expect(
      a.$transaction(async (tx: unknown) => {
        await (tx as TestPrisma).product.update({ where: { id: 2 }, data: { price: 1 } });
        throw new Error('rollback');
      }),
    ).rejects.toThrow('rollback');
    expect(await price(a, 2)).toBe(55);
    await a.$transaction([a.product.update({ where: { id: 2 }, data: { price: 60 } }), a.tag.create({ data: { label: 'new', productId: 2 } })]);
    expect([await price(a, 2), await a.tag.count({ where: { label: 'new' } })]).toEqual([60, 1]);
  });

  it('a write outside the client is not seen: the change bridge is for those', async () => {
    expect(await price(a, 2)).toBe(60);
    await database.db.exec(`UPDATE "Product" SET price = 61 WHERE id = 2`);
    expect(await price(a, 2)).toBe(60);
    await apps[0].get(CacheService).invalidateTags('model:Product');
    expect(await price(a, 2)).toBe(61);
  });
});
