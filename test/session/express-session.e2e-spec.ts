import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, Post, Req, UnauthorizedException, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { RedisStore } from 'connect-redis';
import type { Request } from 'express';
import session from 'express-session';
import { createClient } from 'redis';
import request from 'supertest';
import { RedisModule, RedisRegistry } from 'nestjs-rediskit';
import { RediskitSessionStore } from 'nestjs-rediskit/express-session';
import { RedisServer } from '../harness/index.js';

declare module 'express-session' {
  interface SessionData {
    user?: string;
    views?: number;
  }
}

@Controller()
class PagesController {
  @Post('login')
  login(@Req() req: Request) {
    req.session.user = String(req.query.user);
    req.session.views = 0;
    return { ok: true };
  }

  @Get('page')
  page(@Req() req: Request) {
    if (!req.session.user) throw new UnauthorizedException();
    req.session.views = (req.session.views ?? 0) + 1;
    return { user: req.session.user, views: req.session.views };
  }

  @Get('peek')
  peek(@Req() req: Request) {
    return { user: req.session.user ?? null };
  }

  @Post('logout')
  async logout(@Req() req: Request) {
    await new Promise<void>((resolve, reject) => req.session.destroy((e) => (e ? reject(e) : resolve())));
    return { ok: true };
  }
}

describe('RediskitSessionStore under express-session', () => {
  let server: RedisServer;
  let app: INestApplication;
  let store: RediskitSessionStore;
  let redisClient: ReturnType<typeof createClient>;

  beforeAll(async () => {
    server = await RedisServer.start();
    const moduleRef = await Test.createTestingModule({
      imports: [RedisModule.forRoot({ connection: { url: server.url, maxRetriesPerRequest: 0 }, circuitBreaker: { failureThreshold: 2 }, keyspace: { prefix: 'es' } })],
      controllers: [PagesController],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    store = RediskitSessionStore.fromApp(app);
    app.use(session({ store, secret: 'test secret', resave: false, saveUninitialized: false, cookie: { maxAge: 60_000 } }));
    await app.init();
    redisClient = createClient({ url: server.url });
    await redisClient.connect();
  });
  afterAll(async () => {
    if (redisClient?.isOpen) redisClient.destroy();
    await app?.close();
    await server?.stop();
  });

  it('keeps a login across requests, expires it with the cookie, and destroys it on logout', async () => {
    const agent = request.agent(app.getHttpServer());
    await agent.get('/page').expect(401);
    await agent.post('/login?user=ada').expect(201);
    expect((await agent.get('/page').expect(200)).body).toEqual({ user: 'ada', views: 1 });
    expect((await agent.get('/page').expect(200)).body).toEqual({ user: 'ada', views: 2 });

    const [sid] = await store.ids();
    expect(await store.length()).toBe(1);
    const key = `es:sess:${sid}`;
    const pttl = await redisClient.pTTL(key);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(60_000);
    expect(JSON.parse((await redisClient.get(key))!)).toMatchObject({ user: 'ada', views: 2 });

    await agent.post('/logout').expect(201);
    expect(await store.length()).toBe(0);
    await agent.get('/page').expect(401);
  });

  it('does the same as connect-redis for the same calls', async () => {
    const ours = new RediskitSessionStore(app.get(RedisRegistry).get(), { prefix: 'ours:' });
    const theirs = new RedisStore({ client: redisClient, prefix: 'theirs:' });
    const start = Date.now(); // both runs store the same expiry times
    const cookie = (ms: number) => ({ originalMaxAge: ms, expires: new Date(start + ms).toISOString(), httpOnly: true, path: '/' });
    const run = async (s: RediskitSessionStore | RedisStore, prefix: string) => {
      const out: unknown[] = [];
      await s.set('a', { cookie: cookie(60_000), user: 'a' } as never);
      await s.set('b', { cookie: { httpOnly: true, path: '/', originalMaxAge: null }, user: 'b' } as never); // no expires: default ttl
      await s.set('c', { cookie: cookie(-1000), user: 'c' } as never); // already expired: not stored
      await s.set('n', { cookie: cookie(60_000), user: 'n' } as never);
      await s.set('n', { cookie: { expires: new Date(Number.NaN), httpOnly: true, path: '/', originalMaxAge: null }, user: 'n' } as never); // invalid expiry: deleted
      out.push(await s.get('n'));
      out.push(await s.get('a'), await s.get('c'), await s.get('missing'));
      out.push(await s.length(), (await s.ids()).sort());
      out.push((await s.all())!.sort((x: unknown, y: unknown) => String((x as { id: string }).id).localeCompare((y as { id: string }).id)));
      await s.touch('a', { cookie: cookie(120_000) } as never);
      const ttl = await redisClient.pTTL(prefix + 'a');
      out.push(ttl > 60_000 && ttl <= 120_000);
      const bTtl = await redisClient.pTTL(prefix + 'b');
      out.push(bTtl > 86_000_000 && bTtl <= 86_400_000);
      await s.touch('missing', { cookie: cookie(60_000) } as never);
      out.push(await s.get('missing'));
      await s.destroy('a');
      out.push(await s.get('a'), await s.length());
      const viaCallback = await new Promise((resolve) => s.get('b', (error, value) => resolve([error, value])));
      out.push(viaCallback);
      await s.clear();
      out.push(await s.length(), await s.ids(), await s.all());
      return out;
    };
    const expected = await run(theirs, 'theirs:');
    expect(await run(ours, 'ours:')).toEqual(expected);
    expect(expected[0]).toBeNull(); // the session with an invalid expiry is gone
    expect(expected[1]).toMatchObject({ user: 'a' });
  });

  it("exposes connect-redis' public fields", () => {
    const ours = new RediskitSessionStore(app.get(RedisRegistry).get(), { prefix: 'ours:', ttl: '2h', disableTouch: true });
    expect(ours).toMatchObject({ client: app.get(RedisRegistry).get().client, prefix: 'ours:', scanCount: 100, serializer: JSON, ttl: '2h', disableTouch: true, disableTTL: false });
    const theirs = new RedisStore({ client: redisClient });
    for (const field of Object.keys(theirs).filter((f) => !f.startsWith('_') && typeof (theirs as never)[f] !== 'function')) {
      if (['client', 'prefix', 'scanCount', 'serializer', 'ttl', 'disableTTL', 'disableTouch'].includes(field)) expect(ours).toHaveProperty(field);
    }
  });

  it('turns a Redis outage into 503, not 500', async () => {
    const agent = request.agent(app.getHttpServer());
    await agent.post('/login?user=bea').expect(201);
    redisClient.destroy(); // connect-redis' client would reconnect forever
    await server.stop();
    for (let i = 0; i < 3; i++) expect((await agent.get('/peek').expect(503)).body).toMatchObject({ statusCode: 503 });
    await expect(store.get('x')).rejects.toMatchObject({ code: 'SESSION_STORE_UNAVAILABLE', status: 503 });
  });
});
