import { afterAll, afterEach, beforeAll, expect, it } from '@jest/globals';
import { LockService } from 'nestjs-rediskit';
import type { RedisConnectionOptions } from 'nestjs-rediskit';
import { RedisClusterFixture, RedisServer } from '../harness/index.js';
import { eventually, startDbApp, type DbApp, type DbFixture } from './db-fixtures.js';

/** Redis for the behaviour: a standalone server or a 3-master cluster. */
export interface RedisTopology {
  connection: RedisConnectionOptions;
  stop(): Promise<void>;
}

export const standalone = async (): Promise<RedisTopology> => {
  const server = await RedisServer.start();
  return { connection: { url: server.url }, stop: () => server.stop() };
};

export const cluster = async (): Promise<RedisTopology> => {
  const fixture = await RedisClusterFixture.start();
  return { connection: { cluster: { nodes: fixture.addresses } }, stop: () => fixture.stop() };
};

/** What every database (PGlite, a PostgreSQL server) must do, on a Redis topology; `tag` keeps key prefixes apart. */
export function dbInvalidationBehaviour(open: () => Promise<DbFixture>, tag: string, topology: () => Promise<RedisTopology> = standalone): void {
  let redis: RedisTopology;
  let db: DbFixture;
  let apps: DbApp[] = [];
  let run = 0;

  beforeAll(async () => {
    [redis, db] = await Promise.all([topology(), open()]);
  });
  afterEach(async () => {
    await Promise.all(apps.map((a) => a.close()));
    apps = [];
  });
  afterAll(async () => {
    await db?.close();
    await redis?.stop();
  });

  const start = async (count: number, options = {}) => {
    const prefix = `${tag}${++run}`;
    for (let i = 0; i < count; i++) apps.push(await startDbApp(redis.connection, prefix, db, options));
    // The first listener's takeover invalidates the watched tables once: wait so reads after it stay cached.
    await eventually(async () => (await Promise.all(apps.map((a) => a.metric('db_invalidation_invalidations_total', 'reason="gap"')))).some((n) => n > 0), 'a listener');
    return apps;
  };
  // A metric summed over the instances: whichever holds the lease counts.
  const total = async (name: string, labels?: string) => (await Promise.all(apps.map((x) => x.metric(name, labels)))).reduce((a, b) => a + b, 0);
  // A read through the cache, counting the database queries it makes.
  const reads = { count: 0 };
  const cachedPrice = (app: DbApp, id: number) =>
    app.cache.getOrSet(`price:${id}`, () => (reads.count++, db.price(id)), { ttl: '5m', tags: [`${db.table}:${id}`] });

  it('a write made with plain SQL outside the app invalidates the cached read on two instances', async () => {
    const [a, b] = await start(2);
    expect(apps.filter((x) => x.invalidation.leading)).toHaveLength(1);
    const other = () => a.cache.getOrSet('other', () => (reads.count++, 'kept'), { ttl: '5m', tags: [`${db.other}:1`] });
    expect([await cachedPrice(a, 1), await cachedPrice(b, 1), await other()]).toEqual([100, 100, 'kept']);
    const before = reads.count;
    expect([await cachedPrice(a, 1), await cachedPrice(b, 1)]).toEqual([100, 100]);
    expect(reads.count).toBe(before); // served by the cache

    await db.exec(`UPDATE ${db.table} SET price = 150 WHERE id = 1`);
    await eventually(async () => (await cachedPrice(a, 1)) === 150 && (await cachedPrice(b, 1)) === 150, 'both instances to read the new price');
    expect(await total('db_invalidation_notifications_total', 'outcome="accepted"')).toBe(1);
    expect(await total('db_invalidation_invalidations_total', 'reason="change"')).toBe(1);
    const afterWrite = reads.count;
    await other();
    expect(reads.count).toBe(afterWrite); // a table that is not watched keeps its entries

    await db.exec(`DELETE FROM ${db.table} WHERE id = 2; INSERT INTO ${db.table} VALUES (3, 300)`);
    await eventually(async () => (await total('db_invalidation_notifications_total', 'outcome="accepted"')) === 3, 'the delete and the insert');
  });

  it('ignores notifications that are not changes of a watched table', async () => {
    const [a] = await start(1);
    const payloads = ['not json', '[1]', '{"t":"nope","op":"update","id":"1"}', `{"t":"${db.table}","op":"drop","id":"1"}`, `{"t":"${db.table}","op":"update","id":"${'x'.repeat(300)}"}`];
    const changes = await a.metric('db_invalidation_invalidations_total', 'reason="change"');
    for (const p of payloads) await db.exec(`SELECT pg_notify('${db.channel}', '${p}')`);
    await eventually(async () => (await a.metric('db_invalidation_notifications_total', 'outcome="rejected"')) === payloads.length, 'every payload to be rejected');
    expect(await a.metric('db_invalidation_invalidations_total', 'reason="change"')).toBe(changes);
  });

  it('another instance takes over when the listener loses its lease, and invalidates the gap', async () => {
    await start(2, { lease: '2s' });
    const leader = apps.find((x) => x.invalidation.leading)!;
    const standby = apps.find((x) => x !== leader)!;
    expect(await standby.metric('db_invalidation_leader')).toBe(0);
    // The holder stops renewing, as a process that hangs or is cut from Redis would.
    const backend = (leader.app.get(LockService) as unknown as { backend: { extend: () => Promise<never> } }).backend;
    backend.extend = () => new Promise(() => undefined);
    await eventually(() => standby.invalidation.leading && !leader.invalidation.leading, 'the standby to take over');
    await eventually(async () => (await standby.metric('db_invalidation_invalidations_total', 'reason="gap"')) >= 1, 'the takeover gap invalidation');
    expect(await standby.metric('db_invalidation_leader')).toBe(1);

    await cachedPrice(standby, 1);
    const price = (await db.price(1)) + 1;
    await db.exec(`UPDATE ${db.table} SET price = ${price} WHERE id = 1`);
    await eventually(async () => (await cachedPrice(standby, 1)) === price, 'the new listener to invalidate');
  });

  it('after the database connection drops it listens again and invalidates the watched tables for the gap', async () => {
    const [a] = await start(1);
    const price = (await db.price(1)) + 1;
    expect(await cachedPrice(a, 1)).toBe(price - 1);
    await db.kill();
    // Written while nobody listens: no notification reaches the app, the gap invalidation must cover it.
    await db.exec(`UPDATE ${db.table} SET price = ${price} WHERE id = 1`);
    await eventually(async () => (await a.metric('db_invalidation_reconnects_total')) === 1, 'a reconnect');
    await eventually(async () => (await cachedPrice(a, 1)) === price, 'the gap invalidation');
    expect(await a.metric('db_invalidation_invalidations_total', 'reason="gap"')).toBe(2);
    expect(a.invalidation.leading).toBe(true);
  });
}

