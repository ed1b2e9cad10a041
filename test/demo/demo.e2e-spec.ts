import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { LockService, ReservationService } from 'nestjs-rediskit';
import request from 'supertest';
import { ProductsRepository } from '../../apps/demo/src/catalog/products.repository.js';
import { OrdersService, productLock } from '../../apps/demo/src/orders/orders.service.js';
import { sleep, waitFor } from '../harness/index.js';
import { freshIp, login, sessionCookie, startDemo, type DemoUnderTest } from './demo-app.js';

// One app and one redis-server for the whole file; each area below is its own describe.
let demo: DemoUnderTest;
let http: ReturnType<typeof request>;

beforeAll(async () => {
  demo = await startDemo();
  http = request(demo.url);
});
afterAll(async () => {
  await demo?.close();
});

async function stats() {
  return (await http.get('/stats').expect(200)).body as { cache: { hits: number; hitRatio: number | null }; sessions: { active: number }; rateLimit: { blocked: number }; notifications: { published: number } };
}

describe('auth', () => {
  it('login sets an HttpOnly session cookie that opens protected routes', async () => {
    const res = await http.post('/auth/login').set('X-Forwarded-For', freshIp()).send({ email: 'ada@example.com', password: 'demo-password' }).expect(200);
    expect(res.body.user).toEqual({ id: 1, email: 'ada@example.com', name: 'Ada Lovelace' });
    expect(res.body.token).toBeUndefined();
    const setCookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []).join('\n');
    expect(setCookie).toMatch(/sid=[\w-]{40,}; Path=\/; HttpOnly; SameSite=Lax/);
    const me = await http.get('/auth/me').set('Cookie', sessionCookie(res.headers['set-cookie'])).expect(200);
    expect(me.body).toMatchObject({ user: { email: 'ada@example.com' }, verified: false });
    await http.get('/auth/me').expect(401);
  });

  it('API clients get a bearer token instead', async () => {
    const res = await http.post('/auth/login').set('X-Forwarded-For', freshIp()).send({ email: 'grace@example.com', password: 'demo-password', transport: 'bearer' }).expect(200);
    expect(res.headers['set-cookie']).toBeUndefined();
    await http.get('/auth/me').set('Authorization', `Bearer ${res.body.token}`).expect(200);
  });

  it('a wrong password or unknown user is 401, bad input 400', async () => {
    await http.post('/auth/login').set('X-Forwarded-For', freshIp()).send({ email: 'ada@example.com', password: 'nope' }).expect(401);
    await http.post('/auth/login').set('X-Forwarded-For', freshIp()).send({ email: 'nobody@example.com', password: 'demo-password' }).expect(401);
    await http.post('/auth/login').set('X-Forwarded-For', freshIp()).send({ email: 'not an email', password: 'x' }).expect(400);
  });

  it('logging in again replaces the session: the old token stops working', async () => {
    const first = await login(demo.url, 'ada@example.com');
    const res = await http.post('/auth/login').set('X-Forwarded-For', freshIp()).set('Cookie', first).send({ email: 'ada@example.com', password: 'demo-password' }).expect(200);
    const second = sessionCookie(res.headers['set-cookie']);
    expect(second).not.toBe(first);
    await http.get('/auth/me').set('Cookie', first).expect(401);
    await http.get('/auth/me').set('Cookie', second).expect(200);
  });

  it('login → sessions on two devices → logout-all ends every session', async () => {
    const laptop = await login(demo.url, 'margaret@example.com');
    const phone = await http.post('/auth/login').set('X-Forwarded-For', freshIp()).send({ email: 'margaret@example.com', password: 'demo-password', device: 'Phone', transport: 'bearer' }).expect(200);
    const list = await http.get('/auth/sessions').set('Cookie', laptop).expect(200);
    expect(list.body).toHaveLength(2);
    expect(list.body.filter((s: { current: boolean }) => s.current)).toHaveLength(1);
    expect(list.body.map((s: { device: string }) => s.device)).toContain('Phone');
    expect((await stats()).sessions.active).toBeGreaterThanOrEqual(2);

    const res = await http.post('/auth/logout-all').set('Cookie', laptop).expect(200);
    expect(res.body).toEqual({ destroyed: 2 });
    await http.get('/auth/me').set('Cookie', laptop).expect(401);
    await http.get('/auth/me').set('Authorization', `Bearer ${phone.body.token}`).expect(401);
  });

  it('logout ends this session only and clears the cookie', async () => {
    const one = await login(demo.url, 'barbara@example.com');
    const two = await login(demo.url, 'barbara@example.com');
    const res = await http.post('/auth/logout').set('Cookie', one).expect(204);
    expect(String(res.headers['set-cookie'])).toMatch(/sid=; .*Max-Age=0/);
    await http.get('/auth/me').set('Cookie', one).expect(401);
    await http.get('/auth/me').set('Cookie', two).expect(200);
  });

  it('step-up verification rotates the token and marks the session verified', async () => {
    const cookie = await login(demo.url, 'ada@example.com');
    await http.post('/auth/verify').set('Cookie', cookie).send({ code: '000000' }).expect(401);
    const res = await http.post('/auth/verify').set('Cookie', cookie).send({ code: '123456' }).expect(200);
    expect(res.body.verified).toBe(true);
    const rotated = sessionCookie(res.headers['set-cookie']);
    expect(rotated).not.toBe(cookie);
    await http.get('/auth/me').set('Cookie', cookie).expect(401);
    const me = await http.get('/auth/me').set('Cookie', rotated).expect(200);
    expect(me.body.verified).toBe(true);
  });

  it('the login rate limit (AUTH) answers 429 with Retry-After and RateLimit headers', async () => {
    const ip = freshIp();
    const attempt = () => http.post('/auth/login').set('X-Forwarded-For', ip).send({ email: 'grace@example.com', password: 'wrong' });
    const before = (await stats()).rateLimit.blocked;
    for (let i = 0; i < 5; i++) {
      const res = await attempt().expect(401);
      expect(res.headers['ratelimit-policy']).toContain('"auth";q=5;w=900');
      expect(res.headers.ratelimit).toContain(`r=${4 - i}`);
    }
    const blocked = await attempt().expect(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(blocked.headers.ratelimit).toContain('r=0');
    // Even the right password waits now, from this address for this account...
    await http.post('/auth/login').set('X-Forwarded-For', ip).send({ email: 'grace@example.com', password: 'demo-password' }).expect(429);
    // ...while another address, or another account, is not affected.
    await http.post('/auth/login').set('X-Forwarded-For', freshIp()).send({ email: 'grace@example.com', password: 'demo-password' }).expect(200);
    await http.post('/auth/login').set('X-Forwarded-For', ip).send({ email: 'alan@example.com', password: 'demo-password' }).expect(200);
    expect((await stats()).rateLimit.blocked).toBe(before + 2);
  });

  it('step-up attempts are limited (BIOMETRIC: 3 per 5 minutes per user)', async () => {
    const cookie = await login(demo.url, 'alan@example.com');
    for (let i = 0; i < 3; i++) await http.post('/auth/verify').set('Cookie', cookie).send({ code: 'guess' }).expect(401);
    const res = await http.post('/auth/verify').set('Cookie', cookie).send({ code: '123456' }).expect(429);
    expect(res.headers['ratelimit-policy']).toContain('"biometric";q=3;w=300');
  });
});

describe('catalog', () => {
  it('lists products and reads one', async () => {
    const list = await http.get('/products').expect(200);
    expect(list.body.length).toBeGreaterThanOrEqual(5);
    const one = await http.get(`/products/${list.body[0].id}`).expect(200);
    expect(one.body).toMatchObject({ ...list.body[0], unitsSold: expect.any(Number) });
    await http.get('/products/9999').expect(404);
    await http.get('/products/abc').expect(400);
  });

  it('GET /products is served from the response cache, with an ETag', async () => {
    await http.get('/products').expect(200); // fills the cache if an earlier test has not
    const hit = await http.get('/products').expect(200);
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(hit.headers.etag).toBeDefined();
    await http.get('/products').set('If-None-Match', hit.headers.etag).expect(304);
  });

  it('GET /products/:id hits the database once, then the cache', async () => {
    const repo = demo.app.get(ProductsRepository);
    await http.get('/products/3').expect(200);
    const queries = repo.queries;
    await http.get('/products/3').expect(200);
    await http.get('/products/3').expect(200);
    expect(repo.queries).toBe(queries);
    expect((await stats()).cache.hits).toBeGreaterThan(0);
  });

  it('PUT /products/:id needs a session and invalidates the cached list and product', async () => {
    await http.put('/products/4').send({ name: 'x' }).expect(401);
    const cookie = await login(demo.url, 'barbara@example.com');
    await http.get('/products').expect(200);
    await http.get('/products/4').expect(200);
    expect((await http.get('/products').expect(200)).headers['x-cache']).toBe('HIT');

    const updated = await http.put('/products/4').set('Cookie', cookie).send({ name: '27" monitor (2026 model)', priceCents: 31900 }).expect(200);
    expect(updated.body).toMatchObject({ id: 4, name: '27" monitor (2026 model)', priceCents: 31900 });

    const list = await http.get('/products').expect(200);
    expect(list.headers['x-cache']).toBe('MISS');
    expect(list.body.find((p: { id: number }) => p.id === 4).name).toBe('27" monitor (2026 model)');
    expect((await http.get('/products/4').expect(200)).body.priceCents).toBe(31900);
    await http.put('/products/4').set('Cookie', cookie).send({ stock: -1 }).expect(400);
  });
});

describe('orders', () => {
  it('POST /orders needs a session', async () => {
    await http.post('/orders').send({ productId: 1 }).expect(401);
  });

  it('places an order: stock goes down, the product cache and units sold follow', async () => {
    const cookie = await login(demo.url, 'grace@example.com');
    const before = (await http.get('/products/2').expect(200)).body;
    const res = await http.post('/orders').set('Cookie', cookie).send({ productId: 2, quantity: 2 }).expect(201);
    expect(res.body).toMatchObject({ productId: 2, quantity: 2, totalCents: 2 * before.priceCents, stockLeft: before.stock - 2 });
    expect(res.headers['ratelimit-policy']).toContain('"payment";q=10;w=3600');
    const after = (await http.get('/products/2').expect(200)).body;
    expect(after).toMatchObject({ stock: before.stock - 2, unitsSold: before.unitsSold + 2 });
    const mine = await http.get('/orders').set('Cookie', cookie).expect(200);
    expect(mine.body[0].id).toBe(res.body.id);
  });

  it('two concurrent orders for the last item: exactly one succeeds', async () => {
    const [ada, grace] = await Promise.all([login(demo.url, 'ada@example.com'), login(demo.url, 'grace@example.com')]);
    await http.put('/products/1').set('Cookie', ada).send({ stock: 1 }).expect(200);
    const results = await Promise.all([ada, grace].map((cookie) => http.post('/orders').set('Cookie', cookie).send({ productId: 1 })));
    expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
    expect(results.find((r) => r.status === 409)!.body.error).toBe('SOLD_OUT');
    expect((await http.get('/products/1').expect(200)).body.stock).toBe(0);
  });

  it('checkout holds the units in Redis first: six buyers for three units, three orders; a failed write gives its hold back', async () => {
    const reservations = demo.app.get(ReservationService);
    const cookies = await Promise.all(['alan@example.com', 'margaret@example.com', 'barbara@example.com'].map((email) => login(demo.url, email)));
    await http.put('/products/5').set('Cookie', cookies[0]).send({ stock: 3 }).expect(200);
    expect(await reservations.stock('product:5')).toEqual({ onHand: 3, held: 0, available: 3 });
    const results = await Promise.all([...cookies, ...cookies].map((cookie) => http.post('/orders').set('Cookie', cookie).send({ productId: 5 })));
    expect(results.map((r) => r.status).sort()).toEqual([201, 201, 201, 409, 409, 409]);
    expect(results.filter((r) => r.status === 409).map((r) => r.body.error)).toEqual(['SOLD_OUT', 'SOLD_OUT', 'SOLD_OUT']);
    expect((await http.get('/products/5').expect(200)).body.stock).toBe(0);
    expect(await reservations.stock('product:5')).toEqual({ onHand: 0, held: 0, available: 0 });

    // The write cannot happen (the product's lock stays taken past the 3 s wait): the hold is released.
    await http.put('/products/5').set('Cookie', cookies[0]).send({ stock: 2 }).expect(200);
    const blocker = await demo.app.get(LockService).acquire(productLock(5), { ttl: '10s' });
    try {
      const busy = await http.post('/orders').set('Cookie', cookies[1]).send({ productId: 5 }).expect(409);
      expect(busy.body.error).toBe('BUSY');
    } finally {
      await blocker.release();
    }
    expect(await reservations.stock('product:5')).toEqual({ onHand: 2, held: 0, available: 2 });
  });

  it('a checkout retried with its Idempotency-Key orders once: the retry gets the first answer, another order with the key is 422', async () => {
    const cookie = await login(demo.url, 'grace@example.com');
    await http.put('/products/2').set('Cookie', cookie).send({ stock: 10 }).expect(200);
    const key = `"checkout-${Date.now()}"`;
    const first = await http.post('/orders').set('Cookie', cookie).set('Idempotency-Key', key).send({ productId: 2 }).expect(201);
    const retry = await http.post('/orders').set('Cookie', cookie).set('Idempotency-Key', key).send({ productId: 2 }).expect(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body).toEqual(first.body);
    expect((await http.get('/products/2').expect(200)).body.stock).toBe(9);
    const other = await http.post('/orders').set('Cookie', cookie).set('Idempotency-Key', key).send({ productId: 2, quantity: 2 }).expect(422);
    expect(other.body.error).toBe('IDEMPOTENCY_KEY_MISMATCH');
    // Another user's key of the same spelling is theirs: their order runs.
    const ada = await login(demo.url, 'ada@example.com');
    const theirs = await http.post('/orders').set('Cookie', ada).set('Idempotency-Key', key).send({ productId: 2 }).expect(201);
    expect(theirs.headers['idempotent-replayed']).toBeUndefined();
    expect((await http.get('/products/2').expect(200)).body.stock).toBe(8);
  });

  it('a holder whose lease ran out is refused by its stale fencing token', async () => {
    const locks = demo.app.get(LockService);
    const orders = demo.app.get(OrdersService);
    const cookie = await login(demo.url, 'barbara@example.com');
    const stale = await locks.acquire(productLock(3), { ttl: 50 });
    await sleep(150); // the lease ends while the "paused" holder still thinks it holds the lock
    const fresh = await http.post('/orders').set('Cookie', cookie).send({ productId: 3 }).expect(201);
    expect(Number(fresh.body.fencingToken)).toBeGreaterThan(stale.fencingToken);
    const stock = (await http.get('/products/3').expect(200)).body.stock;

    await expect(orders.reserve(stale.fencingToken, 5, 3, 1)).rejects.toMatchObject({ response: { error: 'STALE_LOCK' } });
    expect((await http.get('/products/3').expect(200)).body.stock).toBe(stock);
  });

  it('orders of 250 € or more need a step-up verification', async () => {
    const cookie = await login(demo.url, 'alan@example.com');
    const refused = await http.post('/orders').set('Cookie', cookie).send({ productId: 4 }).expect(403);
    expect(refused.body.error).toBe('STEP_UP_REQUIRED');
    const other = await login(demo.url, 'margaret@example.com');
    const verified = await http.post('/auth/verify').set('Cookie', other).send({ code: '123456' }).expect(200);
    await http.post('/orders').set('Cookie', sessionCookie(verified.headers['set-cookie'])).send({ productId: 4 }).expect(201);
  });

  it('rejects bad orders with 400 and unknown products with 404', async () => {
    const cookie = await login(demo.url, 'margaret@example.com');
    await http.post('/orders').set('Cookie', cookie).send({ productId: 'x' }).expect(400);
    await http.post('/orders').set('Cookie', cookie).send({ productId: 1, quantity: 0 }).expect(400);
    await http.post('/orders').set('Cookie', cookie).send({ productId: 999 }).expect(404);
  });
});

describe('notifications', () => {
  /** Reads an SSE response until `until` matches an event's data, returning the events seen. */
  async function readEvents(body: ReadableStream<Uint8Array>, until: (data: { type: string }) => boolean): Promise<{ id?: string; data: { type: string; text: string } }[]> {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    const events: { id?: string; data: { type: string; text: string } }[] = [];
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`stream ended; events: ${JSON.stringify(events)}`);
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const id = /^id: ?(.*)$/m.exec(block)?.[1];
        const data = /^data: ?(.*)$/m.exec(block)?.[1];
        if (!data) continue;
        const event = { id, data: JSON.parse(data) };
        events.push(event);
        if (until(event.data)) {
          reader.releaseLock();
          return events;
        }
      }
    }
  }

  it('SSE delivers an order event; the inbox keeps it for later', async () => {
    const cookie = await login(demo.url, 'ada@example.com');
    const controller = new AbortController();
    const stream = await fetch(`${demo.url}/notifications/stream`, { headers: { cookie }, signal: controller.signal });
    try {
      expect(stream.status).toBe(200);
      expect(stream.headers.get('content-type')).toMatch(/text\/event-stream/);
      await readEvents(stream.body!, (d) => d.type === 'stream.ready');
      const published = (await stats()).notifications.published;

      const order = await http.post('/orders').set('Cookie', cookie).send({ productId: 2 }).expect(201);
      const events = await readEvents(stream.body!, (d) => d.type === 'order.placed');
      const event = events.at(-1)!;
      expect(event.data.text).toBe(`Order #${order.body.id} confirmed: 1 × USB-C dock (€89.00)`);
      expect(event.id).toMatch(/^\d+-\d+$/);
      expect((await stats()).notifications.published).toBeGreaterThan(published);

      const inbox = await http.get('/notifications/inbox').query({ since: '0' }).set('Cookie', cookie).expect(200);
      expect(inbox.body.map((n: { id: string }) => n.id)).toContain(event.id);
      await http.post('/notifications/inbox/ack').set('Cookie', cookie).send({ id: event.id }).expect(200);
      const unread = await http.get('/notifications/inbox').set('Cookie', cookie).expect(200);
      expect(unread.body.map((n: { id: string }) => n.id)).not.toContain(event.id);
    } finally {
      controller.abort();
    }
  });

  it('a reconnecting client gets what it missed (Last-Event-ID)', async () => {
    const cookie = await login(demo.url, 'grace@example.com');
    const first = await http.post('/orders').set('Cookie', cookie).send({ productId: 2 }).expect(201);
    const inbox = await http.get('/notifications/inbox').query({ since: '0' }).set('Cookie', cookie).expect(200);
    const lastSeen = inbox.body.at(-1).id as string;
    await http.post('/orders').set('Cookie', cookie).send({ productId: 2 }).expect(201); // while "offline"
    const controller = new AbortController();
    const stream = await fetch(`${demo.url}/notifications/stream`, { headers: { cookie, 'last-event-id': lastSeen }, signal: controller.signal });
    try {
      const events = await readEvents(stream.body!, (d) => d.type === 'stream.ready');
      const missed = events.filter((e) => e.data.type === 'order.placed');
      expect(missed).toHaveLength(1);
      expect(missed[0].data.text).toContain(`Order #${first.body.id + 1}`);
    } finally {
      controller.abort();
    }
  });

  it('the stream and inbox need a session; bad ids are 400', async () => {
    await http.get('/notifications/stream').expect(401);
    await http.get('/notifications/inbox').expect(401);
    const cookie = await login(demo.url, 'barbara@example.com');
    await http.get('/notifications/inbox').query({ since: 'nope' }).set('Cookie', cookie).expect(400);
    await http.post('/notifications/inbox/ack').set('Cookie', cookie).send({ id: 'nope' }).expect(400);
  });
});

describe('drivers (Redis GEO)', () => {
  it('finds drivers near a point, nearest first, within the radius only', async () => {
    await http.put('/drivers/near/location').send({ lat: 52.5201, lng: 13.4051 }).expect(200);
    await http.put('/drivers/mid/location').send({ lat: 52.53, lng: 13.42 }).expect(200);
    await http.put('/drivers/far/location').send({ lat: 48.137, lng: 11.575 }).expect(200); // Munich
    const res = await http.get('/drivers/nearby').query({ lat: 52.52, lng: 13.405, km: 5 }).expect(200);
    expect(res.body.map((d: { id: string }) => d.id)).toEqual(['near', 'mid']);
    expect(res.body[0].distanceKm).toBeLessThan(res.body[1].distanceKm);
  });

  it('moving a driver updates its position', async () => {
    await http.put('/drivers/mover/location').send({ lat: 48.0, lng: 11.0 }).expect(200);
    await http.put('/drivers/mover/location').send({ lat: 52.521, lng: 13.406 }).expect(200);
    const res = await http.get('/drivers/nearby').query({ lat: 52.52, lng: 13.405, km: 1 }).expect(200);
    expect(res.body.map((d: { id: string }) => d.id)).toContain('mover');
  });

  it('rejects bad coordinates and ids with 400', async () => {
    await http.put('/drivers/x/location').send({ lat: 91, lng: 0 }).expect(400);
    await http.put('/drivers/x/location').send({ lat: 1 }).expect(400);
    await http.put('/drivers/bad*id/location').send({ lat: 1, lng: 1 }).expect(400);
    await http.get('/drivers/nearby').query({ lat: 52, lng: 13, km: 0 }).expect(400);
    await http.put('/drivers/x/location').send({ lat: 89, lng: 0 }).expect(400); // beyond Redis GEO's ±85.05°
  });
});

describe('operations', () => {
  it('GET /health reports Redis, the cache and session paths and the database up', async () => {
    const res = await http.get('/health').expect(200);
    expect(res.body).toMatchObject({
      status: 'ok',
      info: { redis: { status: 'up' }, cache: { status: 'up' }, sessions: { status: 'up' }, database: { status: 'up', kind: 'pglite' } },
    });
  });

  it('GET /metrics is Prometheus text with the features’ metrics', async () => {
    const res = await http.get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    for (const name of ['rediskit_session_created_total', 'rediskit_rate_limit_decisions_total', 'rediskit_lock_acquired_total', 'rediskit_pubsub_published_total']) {
      expect(res.text).toContain(name);
    }
  });

  it('GET /docs serves the OpenAPI UI and a document listing every area', async () => {
    await http.get('/docs').expect(200).expect('content-type', /html/);
    const doc = (await http.get('/docs-json').expect(200)).body as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/auth/login', '/auth/logout', '/auth/logout-all', '/auth/sessions', '/auth/verify', '/products', '/products/{id}', '/orders',
        '/drivers/nearby', '/drivers/{id}/location', '/notifications/stream', '/notifications/inbox', '/health', '/metrics', '/stats',
      ]),
    );
  });

  it('GET / serves the page and its script', async () => {
    const page = await http.get('/').expect(200).expect('content-type', /html/);
    expect(page.text).toContain('nestjs-rediskit');
    await http.get('/app.js').expect(200).expect('content-type', /javascript/);
  });

  // Last: it freezes Redis.
  it('GET /health answers 503 naming Redis while it is frozen, and recovers', async () => {
    demo.redis.pause();
    try {
      const res = await http.get('/health').expect(503);
      expect(res.body.error.redis.status).toBe('down');
    } finally {
      demo.redis.resume();
    }
    await waitFor(async () => (await http.get('/health')).status === 200, 20_000, '/health to answer 200 again');
  });
});
