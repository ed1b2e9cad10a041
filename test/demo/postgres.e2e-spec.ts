import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import request from 'supertest';
import { login, startDemo, type DemoUnderTest } from './demo-app.js';

// DATABASE_URL against a real PostgreSQL server: the machine's local one by default
// (DEMO_TEST_POSTGRES_URL overrides). Each run gets its own database, dropped afterwards.
const adminUrl = process.env.DEMO_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const database = `rediskit_demo_${process.pid}_${Date.now()}`;

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const available = await admin((c) => c.query('SELECT 1')).then(
  () => true,
  (error: Error) => {
    console.warn(`Skipping the PostgreSQL server tests: no server at ${adminUrl} (${error.message})`);
    return false;
  },
);

(available ? describe : describe.skip)('the demo on a PostgreSQL server (DATABASE_URL)', () => {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  let demo: DemoUnderTest | undefined;

  beforeAll(async () => {
    await admin((c) => c.query(`CREATE DATABASE ${database}`));
  });
  afterAll(async () => {
    await demo?.close();
    await admin((c) => c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
  });

  it('creates and seeds the schema, logs in and checks out with fencing tokens on a real pool', async () => {
    demo = await startDemo({ DATABASE_URL: url.toString() });
    const http = request(demo.url);
    expect((await http.get('/health').expect(200)).body.info.database).toEqual({ status: 'up', kind: 'postgres' });

    const [ada, grace] = await Promise.all([login(demo.url, 'ada@example.com'), login(demo.url, 'grace@example.com')]);
    await http.put('/products/2').set('Cookie', ada).send({ stock: 1 }).expect(200);
    // Two pool connections race for the last unit; the lock and the fenced update let one through.
    const results = await Promise.all([ada, grace].map((cookie) => http.post('/orders').set('Cookie', cookie).send({ productId: 2 })));
    expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
    expect((await http.get('/products/2').expect(200)).body).toMatchObject({ stock: 0, unitsSold: 1 });
  });

  it('a price changed with psql-like SQL on another connection shows up on the next request', async () => {
    const http = request(demo!.url);
    const price = async () => ((await http.get('/products/4').expect(200)).body as { priceCents: number }).priceCents;
    const before = await price();
    expect(await price()).toBe(before); // cached
    const db = new pg.Client({ connectionString: url.toString() });
    await db.connect();
    await db.query('UPDATE products SET price_cents = price_cents + 1 WHERE id = 4');
    await db.end();
    const deadline = Date.now() + 15_000;
    while ((await price()) !== before + 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await price()).toBe(before + 1);
  });

  it('keeps working when Redis starts empty but the database persists: fencing tokens stay above its watermark', async () => {
    const db = new pg.Client({ connectionString: url.toString() });
    await db.connect();
    const before = BigInt((await db.query<{ fence: string }>('SELECT fence FROM products WHERE id = 2')).rows[0].fence);
    await db.end();
    expect(before).toBeGreaterThan(0n);
    await demo!.close(); // the database keeps the highest fence of product 2; the new Redis is empty
    demo = await startDemo({ DATABASE_URL: url.toString() });
    const http = request(demo.url);
    const cookie = await login(demo.url, 'alan@example.com');
    await http.put('/products/2').set('Cookie', cookie).send({ stock: 3 }).expect(200);
    const order = await http.post('/orders').set('Cookie', cookie).send({ productId: 2 }).expect(201);
    expect(BigInt(order.body.fencingToken)).toBeGreaterThan(before);
  });
});
