import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { DatabaseInvalidationService } from 'nestjs-rediskit';
import { Database } from '../../apps/demo/src/database/database.js';
import { startDemo, type DemoUnderTest } from './demo-app.js';

/** Resolves when `check` is true (polling), or fails after `timeout` (a liveness bound, not a timing). */
async function eventually(check: () => Promise<boolean>, what: string, timeout = 15_000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('the demo: a price changed with plain SQL outside the app shows up on the next request', () => {
  let demo: DemoUnderTest;
  beforeAll(async () => {
    demo = await startDemo();
    const invalidation = demo.app.get(DatabaseInvalidationService);
    await eventually(async () => invalidation.leading, 'the demo to listen to the database');
  });
  afterAll(async () => {
    await demo?.close();
  });

  it('the cached list and product follow an UPDATE made without the app', async () => {
    const http = request(demo.url);
    const listed = async () => ((await http.get('/products').expect(200)).body as { id: number; priceCents: number }[]).find((p) => p.id === 3)!.priceCents;
    const detail = async () => ((await http.get('/products/3').expect(200)).body as { priceCents: number }).priceCents;
    const before = await detail();
    expect(await listed()).toBe(before);
    expect((await http.get('/products').expect(200)).headers['x-cache']).toBe('HIT'); // cached responses, cached queries

    // PGlite lives in the app's process: the statement goes to it directly, past every cache.
    await demo.app.get(Database).query('UPDATE products SET price_cents = price_cents + 1 WHERE id = 3');
    await eventually(async () => (await detail()) === before + 1 && (await listed()) === before + 1, 'the new price on the next requests');
  });
});
