import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Controller, Get, Injectable, Param, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { currentRequestId, MetricsService, RedisModule, RediskitConfigError, RequestCache, RequestCached, runInRequestContext, type RedisConnectionOptions } from 'nestjs-rediskit';
import { sleep, startContextApp, type AdapterName } from '../request-context/context-app.js';

/** How many times each user was loaded, across requests. */
const loads = new Map<string, number>();

@Injectable()
class UserDirectory {
  @RequestCached()
  async find(id: string): Promise<{ id: string; load: number; requestId?: string }> {
    const load = (loads.get(id) ?? 0) + 1;
    loads.set(id, load);
    await sleep(10 + Math.floor(Math.random() * 10));
    return { id, load, requestId: currentRequestId() };
  }
}

@Controller('users')
class UsersController {
  constructor(
    private readonly users: UserDirectory,
    private readonly requestCache: RequestCache,
  ) {}

  /** A page that looks the same user up three times, two of them concurrently. */
  @Get(':id/page')
  async page(@Param('id') id: string) {
    const [a, b] = await Promise.all([this.users.find(id), this.users.find(id)]);
    const c = await this.users.find(id);
    const title = await this.requestCache.getOrSet(`title:${id}`, async () => `user ${a.id}`);
    return { a, b, c, title };
  }
}

/**
 * The request cache in apps on `connection` (it never uses Redis, but boots and serves with
 * the rest of the module on every topology).
 */
export function requestCacheBehaviour(topology: string, connection: () => RedisConnectionOptions): void {
  beforeEach(() => loads.clear());

  describe.each<AdapterName>(['express', 'fastify'])(`@RequestCached over HTTP (%s, ${topology})`, (adapter) => {
    let app: INestApplication;
    beforeAll(async () => {
      app = await startContextApp(adapter, { connection: connection(), keyspace: { prefix: `rc-${adapter}` } }, { controllers: [UsersController], providers: [UserDirectory] });
    });
    afterAll(async () => {
      await app?.close();
    });

    it('runs a repeated lookup once per request, concurrent calls included, and drops it when the request ends', async () => {
      const first = (await request(app.getHttpServer()).get('/users/7/page').set('X-Request-Id', 'r1').expect(200)).body;
      expect(first.a).toEqual({ id: '7', load: 1, requestId: 'r1' });
      expect(first.b).toEqual(first.a);
      expect(first.c).toEqual(first.a);
      expect(first.title).toBe('user 7');
      const second = (await request(app.getHttpServer()).get('/users/7/page').set('X-Request-Id', 'r2').expect(200)).body;
      expect(second.a).toEqual({ id: '7', load: 2, requestId: 'r2' });
    });

    it('keeps concurrent requests apart: each loads once and sees only its own entry', async () => {
      const ids = Array.from({ length: 20 }, (_, i) => `${adapter}-${i}`);
      const pages = await Promise.all(ids.map((rid) => request(app.getHttpServer()).get('/users/42/page').set('X-Request-Id', rid).then((r) => ({ rid, body: r.body }))));
      for (const { rid, body } of pages) {
        expect([body.a.requestId, body.b.requestId, body.c.requestId]).toEqual([rid, rid, rid]);
      }
      expect(loads.get('42')).toBe(ids.length);
      const counts = new Set(pages.map((p) => p.body.a.load));
      expect(counts.size).toBe(ids.length);
    });

    it('counts hits and misses', async () => {
      await request(app.getHttpServer()).get('/users/9/page').expect(200);
      const text = await app.get(MetricsService).text();
      expect(Number(/rediskit_request_cache_hits_total (\d+)/.exec(text)?.[1])).toBeGreaterThanOrEqual(2);
      expect(Number(/rediskit_request_cache_misses_total (\d+)/.exec(text)?.[1])).toBeGreaterThanOrEqual(2);
    });
  });

  describe(`@RequestCached outside HTTP (${topology})`, () => {
    let app: INestApplication;
    let users: UserDirectory;
    beforeAll(async () => {
      const moduleRef = await Test.createTestingModule({ imports: [RedisModule.forRoot({ connection: connection(), keyspace: { prefix: 'rc-job' } })], providers: [UserDirectory] }).compile();
      app = moduleRef.createNestApplication({ logger: false });
      await app.init();
      users = app.get(UserDirectory);
    });
    afterAll(async () => {
      await app?.close();
    });

    it('memoizes inside runInRequestContext (a microservice handler, a job), per run', async () => {
      const run = (rid: string) => runInRequestContext(async () => [await users.find('j'), await users.find('j')], { requestId: rid });
      const [[a1, a2], [b1, b2]] = await Promise.all([run('job-1'), run('job-2')]);
      expect(a1).toBe(a2);
      expect(b1).toBe(b2);
      expect(new Set([a1.requestId, b1.requestId])).toEqual(new Set(['job-1', 'job-2']));
      expect(loads.get('j')).toBe(2);
    });

    it('runs uncached outside any request', async () => {
      await users.find('o');
      await users.find('o');
      expect(loads.get('o')).toBe(2);
    });

    it('refuses bad options at boot, naming each field', async () => {
      const boot = Test.createTestingModule({
        imports: [RedisModule.forRoot({ connection: connection(), requestCache: { maxEntries: 0, maxKeyLength: 8 } })],
      }).compile();
      const error = (await boot.catch((e: unknown) => e)) as RediskitConfigError;
      expect(error).toBeInstanceOf(RediskitConfigError);
      expect(error.message).toMatch(/requestCache\.maxEntries/);
      expect(error.message).toMatch(/requestCache\.maxKeyLength/);
    });
  });
}
