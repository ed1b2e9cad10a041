import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, Post, type INestApplication } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { createHash } from 'node:crypto';
import request from 'supertest';
import { RateLimit, RateLimitGuard, RateLimiterService, RediskitConfigError, RedisModule, type RateLimitOptions } from 'nestjs-rediskit';
import { RedisServer } from '../harness/index.js';
import { parseList } from './structured-fields.js';

// The API keys the app knows, by account: two keys of acme, one of globex.
const ACCOUNTS: Record<string, string> = { 'acme-key-1': 'acme', 'acme-key-2': 'acme', 'globex-key-1': 'globex', 'bad-account-key': 'acct\uD800' };

@Controller('p')
class PartitionController {
  @Get('keyed') @RateLimit({ name: 'per-account', limit: 3, window: '1m', key: 'apiKey' }) keyed() {
    return 'ok';
  }

  @Get('twice')
  @RateLimit({ name: 'burst', limit: 100, window: '1m', key: 'apiKey' }, { name: 'daily', limit: 100, window: '1d', key: 'apiKey', algorithm: 'gcra' })
  twice() {
    return 'ok';
  }

  @Post('user') @RateLimit({ name: 'per-user', limit: 1, window: '1h', key: 'user' }) user() {
    return 'ok';
  }

  @Post('tenant') @RateLimit({ name: 'per-tenant', limit: 1, window: '1h', key: (ctx) => ctx.switchToHttp().getRequest().body?.tenant }) tenant() {
    return 'ok';
  }

  @Get('ip') @RateLimit({ name: 'per-ip', limit: 5, window: '1h' }) ip() {
    return 'ok';
  }
}

async function boot(server: RedisServer, prefix: string, rateLimit: RateLimitOptions): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [RedisModule.forRoot({ connection: { url: server.url }, keyspace: { prefix }, rateLimit })],
    controllers: [PartitionController],
    providers: [{ provide: APP_GUARD, useClass: RateLimitGuard }],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  try {
    return await app.init();
  } catch (error) {
    await app.close(); // a refused boot leaves no connection open
    throw error;
  }
}

const remaining = (res: { headers: Record<string, string> }, policy: string) => parseList(res.headers['ratelimit']).find((i) => i.value === policy)?.params.r;

describe('rate-limit partitions on Express', () => {
  let server: RedisServer;
  const apps: INestApplication[] = [];
  let resolved: string[] = [];
  const options: RateLimitOptions = {
    user: (req: { body?: { user?: unknown } }) => req.body?.user as string,
    apiKeys: (key) => {
      resolved.push(key);
      return ACCOUNTS[key] ?? null;
    },
  };

  beforeAll(async () => {
    server = await RedisServer.start();
  });
  afterAll(async () => {
    await Promise.all(apps.map((a) => a.close()));
    await server?.stop();
  });

  describe("key 'apiKey' counts per account the app recognises", () => {
    let app: INestApplication;
    beforeAll(async () => {
      app = await boot(server, 'keys', options);
      apps.push(app);
    });
    const get = (path: string, key?: string) => {
      const req = request(app.getHttpServer()).get(path);
      return key === undefined ? req : req.set('x-api-key', key);
    };

    it('20 invented keys from one client are admitted only as far as the client address allows', async () => {
      resolved = [];
      const statuses: number[] = [];
      for (let i = 0; i < 20; i++) statuses.push((await get('/p/keyed', `invented-${i}`)).status);
      expect(statuses.filter((s) => s === 200)).toHaveLength(3);
      expect(statuses.slice(3).every((s) => s === 429)).toBe(true);
      expect(resolved).toEqual(Array.from({ length: 20 }, (_, i) => `invented-${i}`));
      // No key at all falls in the same (spent) address partition; a key with an account id the
      // guard cannot hash faithfully too.
      await get('/p/keyed').expect(429);
      await get('/p/keyed', 'bad-account-key').expect(429);
    });

    it('two recognised keys of one account share its quota; another account has its own', async () => {
      const first = await get('/p/keyed', 'acme-key-1').expect(200);
      expect(remaining(first, 'per-account')).toBe(2);
      expect(remaining(await get('/p/keyed', 'acme-key-2').expect(200), 'per-account')).toBe(1);
      await get('/p/keyed', 'acme-key-1').expect(200);
      await get('/p/keyed', 'acme-key-2').expect(429);
      await get('/p/keyed', 'acme-key-1').expect(429);
      await get('/p/keyed', 'globex-key-1').expect(200);
    });

    it('the resolver runs once per request, however many rules use the key', async () => {
      resolved = [];
      const res = await get('/p/twice', 'globex-key-1').expect(200);
      expect(parseList(res.headers['ratelimit']).map((i) => i.value)).toEqual(['burst', 'daily']);
      expect(resolved).toEqual(['globex-key-1']);
    });
  });

  describe("without rateLimit.apiKeys, key 'apiKey' is refused at boot", () => {
    it('on a decorated route', async () => {
      const error = await boot(server, 'nokeys', {}).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RediskitConfigError);
      expect((error as RediskitConfigError).problems).toEqual([
        expect.stringMatching(/^@RateLimit on PartitionController\.keyed: key 'apiKey' needs rateLimit\.apiKeys/),
        expect.stringMatching(/^@RateLimit on PartitionController\.twice: /),
      ]);
    });
    // In the module defaults: rate-limit.options.spec.ts (the guard refuses them when it is built).
  });

  describe('partitions holding a lone surrogate count against the client address', () => {
    let app: INestApplication;
    beforeAll(async () => {
      app = await boot(server, 'surrogates', options);
      apps.push(app);
    });
    // Raw JSON: the escape becomes a lone surrogate only once the body is parsed.
    const post = (path: string, json: string) => request(app.getHttpServer()).post(path).set('content-type', 'application/json').send(json);

    it.each([
      ['user', '/p/user', 'user'],
      ['a key function', '/p/tenant', 'tenant'],
    ])('%s: "carol\\uDBFF" never shares the counter of "carol\\uFFFD"', async (_, path, field) => {
      await post(path, `{"${field}":"carol\\ufffd"}`).expect(201);
      // Its own partition would be the U+FFFD one, already spent: it falls back to the address.
      await post(path, `{"${field}":"carol\\udbff"}`).expect(201);
      await post(path, `{"${field}":"carol\\udc00"}`).expect(429);
      await post(path, '{}').expect(429);
      await post(path, `{"${field}":"dave"}`).expect(201);
    });
  });

  describe('Redis keys are a keyed hash of the partition', () => {
    let a: INestApplication;
    let b: INestApplication;
    let configured: INestApplication;
    const keys = async () => (await server.cli('--scan', '--pattern', 'hashed:*')).split('\n').filter(Boolean).sort();
    const partition = 'PartitionController.ip|ip:127.0.0.1';

    beforeAll(async () => {
      [a, b, configured] = await Promise.all([boot(server, 'hashed', options), boot(server, 'hashed', options), boot(server, 'hashed', { ...options, keySecret: 'a-configured-secret-of-32-chars!' })]);
      apps.push(a, b, configured);
    });

    it('the key of a known address is not its plain SHA-256, and two instances agree on it', async () => {
      const first = await request(a.getHttpServer()).get('/p/ip').expect(200);
      const second = await request(b.getHttpServer()).get('/p/ip').expect(200);
      // One counter for both instances.
      expect([remaining(first, 'per-ip'), remaining(second, 'per-ip')]).toEqual([4, 3]);
      const stored = await keys();
      const counters = stored.filter((k) => k.endsWith(':per-ip:fw'));
      expect(counters).toHaveLength(1);
      const hashed = await a.get(RateLimiterService).partitionKey(partition);
      expect(await b.get(RateLimiterService).partitionKey(partition)).toBe(hashed);
      expect(counters[0]).toBe(`hashed:ratelimit:{${hashed}}:per-ip:fw`);
      const plain = createHash('sha256').update(partition).digest('base64url').slice(0, 22);
      expect(stored.join('\n')).not.toContain(plain);
      // The shared secret, installed once by whichever instance asked first.
      expect(stored).toContain('hashed:ratelimit:key-secret');
    });

    it('a configured secret gives another key', async () => {
      const res = await request(configured.getHttpServer()).get('/p/ip').expect(200);
      expect(remaining(res, 'per-ip')).toBe(4);
      const own = await configured.get(RateLimiterService).partitionKey(partition);
      const shared = await a.get(RateLimiterService).partitionKey(partition);
      expect(own).not.toBe(shared);
      expect((await keys()).filter((k) => k.endsWith(':per-ip:fw'))).toEqual([`hashed:ratelimit:{${shared}}:per-ip:fw`, `hashed:ratelimit:{${own}}:per-ip:fw`].sort());
    });
  });
});
