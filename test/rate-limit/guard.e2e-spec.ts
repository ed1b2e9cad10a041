import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, Post, type INestApplication } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { RateLimit, RateLimitGuard, RateLimitPresets, RedisModule, SkipRateLimit, type RateLimitOptions } from 'nestjs-rediskit';
import { RedisServer } from '../harness/index.js';
import { parseList, type SfItem } from './structured-fields.js';

@Controller('g')
@RateLimit({ name: 'class', limit: 50, window: '1h' })
class GuardedController {
  @Get('stacked')
  @RateLimit({ name: 'burst', limit: 2, window: '10s' }, { name: 'daily', limit: 5, window: '1d', algorithm: 'sliding-window-counter' })
  stacked() {
    return 'ok';
  }

  @Get('override') @RateLimit({ name: 'class', limit: 1, window: '1h' }) override() {
    return 'ok';
  }

  @Get('skip-all') @SkipRateLimit() skipAll() {
    return 'ok';
  }

  @Get('skip-class') @SkipRateLimit('class') @RateLimit({ name: 'own', limit: 1, window: '1h', algorithm: 'gcra' }) skipClass() {
    return 'ok';
  }

  @Post('login') @RateLimit({ ...RateLimitPresets.AUTH, key: 'ip' }) login() {
    return 'ok';
  }

  @Get('user') @RateLimit({ name: 'per-user', limit: 1, window: '1h', key: 'user', algorithm: 'token-bucket' }) user() {
    return 'ok';
  }

  @Get('apikey') @RateLimit({ name: 'per-key', limit: 1, window: '1h', key: 'apiKey' }) apiKey() {
    return 'ok';
  }

  @Get('tenant') @RateLimit({ name: 'per-tenant', limit: 1, window: '1h', key: (ctx) => ctx.switchToHttp().getRequest().headers['x-tenant'] }) tenant() {
    return 'ok';
  }

  @Get('shared-a') @SkipRateLimit('class') @RateLimit({ name: 'shared', limit: 1, window: '1h', scope: 'global' }) sharedA() {
    return 'ok';
  }

  @Get('shared-b') @SkipRateLimit('class') @RateLimit({ name: 'shared', limit: 1, window: '1h', scope: 'global' }) sharedB() {
    return 'ok';
  }

  @Get('ip') @SkipRateLimit('class') @RateLimit({ name: 'per-ip', limit: 1, window: '1h', key: 'ip', algorithm: 'sliding-window-log' }) ip() {
    return 'ok';
  }
}

type Adapter = 'express' | 'fastify';

async function boot(server: RedisServer, adapter: Adapter, trustProxy: boolean, rateLimit: RateLimitOptions): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [RedisModule.forRoot({ connection: { url: server.url }, keyspace: { prefix: `g${adapter}${trustProxy}` }, rateLimit })],
    controllers: [GuardedController],
    providers: [{ provide: APP_GUARD, useClass: RateLimitGuard }],
  }).compile();
  if (adapter === 'fastify') {
    const app = moduleRef.createNestApplication(new FastifyAdapter({ trustProxy }), { logger: false });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    return app;
  }
  const app = moduleRef.createNestApplication<NestExpressApplication>({ logger: false });
  app.set('trust proxy', trustProxy ? 'loopback' : false);
  // What an auth middleware would do; `key: 'user'` reads req.user.id by default.
  app.use((req: { headers: Record<string, string>; user?: unknown }, _res: unknown, next: () => void) => {
    if (req.headers['x-user']) req.user = { id: req.headers['x-user'] };
    next();
  });
  return app.init();
}

const names = (items: SfItem[]) => items.map((i) => i.value);
const param = (items: SfItem[], name: string, key: string) => items.find((i) => i.value === name)?.params[key];

describe.each<Adapter>(['express', 'fastify'])('RateLimitGuard on %s', (adapter) => {
  let server: RedisServer;
  let app: INestApplication;
  let trusted: INestApplication;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    server = await RedisServer.start();
    const options: RateLimitOptions = {
      defaults: { name: 'global', limit: 1000, window: '1h', algorithm: 'sliding-window-counter' },
      headers: { legacy: true, partitionKeySecret: 'test-secret' },
      apiKeys: (key: string) => ({ k1: 'account-1', k2: 'account-2' })[key] ?? null,
      ...(adapter === 'fastify' ? { user: (req: { headers: Record<string, string> }) => req.headers['x-user'] } : {}),
    };
    [app, trusted] = await Promise.all([boot(server, adapter, false, options), boot(server, adapter, true, options)]);
  });
  afterAll(async () => {
    await Promise.all([app?.close(), trusted?.close()]);
    await server?.stop();
  });

  it('every response carries RateLimit and RateLimit-Policy as structured fields, one item per named policy', async () => {
    const first = await http().get('/g/stacked').expect(200);
    const policy = parseList(first.headers['ratelimit-policy']);
    const limits = parseList(first.headers['ratelimit']);
    expect(names(policy)).toEqual(['global', 'class', 'burst', 'daily']);
    expect(names(limits)).toEqual(['global', 'class', 'burst', 'daily']);
    expect(policy.map((i) => [i.params.q, i.params.w])).toEqual([
      [1000, 3600],
      [50, 3600],
      [2, 10],
      [5, 86400],
    ]);
    expect(limits.map((i) => i.params.r)).toEqual([999, 49, 1, 4]);
    for (const item of [...policy, ...limits]) {
      // The partition key is an opaque 16-byte HMAC, never the client address.
      expect(item.params.pk).toBeInstanceOf(Buffer);
      expect((item.params.pk as Buffer).length).toBe(16);
    }
    expect(JSON.stringify(first.headers)).not.toMatch(/127\.0\.0\.1|::1|ffff/);
    expect(param(limits, 'burst', 't')).toBeGreaterThan(0);
    expect(first.headers['x-ratelimit-limit']).toBe('2');
    expect(first.headers['x-ratelimit-remaining']).toBe('1');

    const second = await http().get('/g/stacked').expect(200);
    expect(param(parseList(second.headers['ratelimit']), 'burst', 'r')).toBe(0);
    expect(param(parseList(second.headers['ratelimit']), 'burst', 'pk')).toEqual(param(limits, 'burst', 'pk'));

    const refused = await http().get('/g/stacked').expect(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(10);
    expect(refused.body).toMatchObject({ statusCode: 429, violatedPolicies: ['burst'] });
    expect(parseList(refused.headers['ratelimit']).map((i) => i.params.r)).toEqual([997, 47, 0, 2]);
    expect(refused.headers['x-ratelimit-remaining']).toBe('0');
  });

  it('a method rule replaces the class rule of the same name', async () => {
    const ok = await http().get('/g/override').expect(200);
    expect(parseList(ok.headers['ratelimit-policy']).map((i) => [i.value, i.params.q])).toEqual([
      ['global', 1000],
      ['class', 1],
    ]);
    await http().get('/g/override').expect(429);
  });

  it('@SkipRateLimit() skips every rule; @SkipRateLimit(name) only that one', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await http().get('/g/skip-all').expect(200);
      expect(res.headers['ratelimit']).toBeUndefined();
    }
    const res = await http().get('/g/skip-class').expect(200);
    expect(names(parseList(res.headers['ratelimit-policy']))).toEqual(['global', 'own']);
    await http().get('/g/skip-class').expect(429);
  });

  it('the AUTH preset admits 5 logins per 15 minutes', async () => {
    for (let i = 0; i < 5; i++) await http().post('/g/login').expect(201);
    const refused = await http().post('/g/login').expect(429);
    expect(param(parseList(refused.headers['ratelimit-policy']), 'auth', 'q')).toBe(5);
    expect(param(parseList(refused.headers['ratelimit-policy']), 'auth', 'w')).toBe(900);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(890);
  });

  it("key 'user', 'apiKey' and a function give each caller its own quota", async () => {
    await http().get('/g/user').set('x-user', 'alice').expect(200);
    await http().get('/g/user').set('x-user', 'alice').expect(429);
    const bob = await http().get('/g/user').set('x-user', 'bob').expect(200);
    expect(JSON.stringify(bob.headers)).not.toContain('bob');

    await http().get('/g/apikey').set('x-api-key', 'k1').expect(200);
    await http().get('/g/apikey').set('x-api-key', 'k1').expect(429);
    await http().get('/g/apikey').set('x-api-key', 'k2').expect(200);

    await http().get('/g/tenant').set('x-tenant', 't1').expect(200);
    await http().get('/g/tenant').set('x-tenant', 't1').expect(429);
    await http().get('/g/tenant').set('x-tenant', 't2').expect(200);
  });

  it("scope: 'global' shares one quota across the routes of a policy", async () => {
    await http().get('/g/shared-a').expect(200);
    await http().get('/g/shared-b').expect(429);
  });

  it('Redis keys hold digests, never the IP, user id or API key', async () => {
    const keys = (await server.cli('--scan', '--pattern', '*')).split('\n').filter(Boolean);
    expect(keys.length).toBeGreaterThan(5);
    // A 22-character hash as hash tag, then the policy and the algorithm (and the shared secret).
    for (const key of keys) expect(key).toMatch(/^g(express|fastify)(true|false):ratelimit:(\{[\w-]{22}\}:[\w-]+:(fw|swl|swc|tb|gcra)|key-secret)$/);
    const withoutHashes = keys.map((k) => k.replace(/\{[\w-]{22}\}/, '{}')).join('\n');
    expect(withoutHashes).not.toMatch(/127\.0\.0\.1|::1|ffff|alice|bob|k1|k2|t1|198\.51/);
  });

  it('without trust proxy a spoofed X-Forwarded-For is ignored', async () => {
    await http().get('/g/ip').set('x-forwarded-for', '198.51.100.1').expect(200);
    await http().get('/g/ip').set('x-forwarded-for', '198.51.100.2').expect(429);
  });

  it('behind a trusted proxy the forwarded client address counts, IPv6 grouped by /64', async () => {
    const via = (ip: string) => request(trusted.getHttpServer()).get('/g/ip').set('x-forwarded-for', ip);
    await via('198.51.100.1').expect(200);
    await via('198.51.100.1').expect(429);
    await via('198.51.100.2').expect(200);
    await via('2001:db8:1:2::1').expect(200);
    await via('2001:db8:1:2:ffff::9').expect(429);
    await via('2001:db8:1:3::1').expect(200);
  });
});
