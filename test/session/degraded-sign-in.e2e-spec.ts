import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Body, Controller, Get, Post, Req, Res, type INestApplication, type LoggerService } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { createHash, createHmac } from 'node:crypto';
import request from 'supertest';
import {
  CurrentSession,
  MetricsService,
  Public,
  RedisModule,
  RefuseDegraded,
  RequireStepUp,
  SessionGuard,
  SessionService,
  type Session,
  type RedisConnectionOptions,
  type SessionOptions,
} from 'nestjs-rediskit';
import { RedisClusterFixture, RedisServer } from '../harness/index.js';

const OLD_KEY = 'old-signing-key-0123456789abcdefghijklmnop';
const KEY = 'current-signing-key-0123456789abcdefghijklm';
const UNKNOWN_KEY = 'some-other-key-0123456789abcdefghijklmnopqr';

@Controller()
class Routes {
  constructor(private readonly sessions: SessionService) {}

  @Public()
  @Post('login')
  async login(@Body() body: { user: string }, @Req() req: object, @Res({ passthrough: true }) res: object) {
    const { token, session } = await this.sessions.create(body.user, { role: 'user' }, this.sessions.clientOf(req as never));
    this.sessions.setCookie(res, token, session);
    return { token };
  }

  @Get('me')
  me(@CurrentSession() session: Session, @CurrentSession('token') token?: string) {
    return { userId: session.userId, degraded: session.degraded ?? false, data: session.data, hasToken: token !== undefined };
  }

  @RefuseDegraded()
  @Post('pay')
  pay() {
    return { paid: true };
  }

  @RequireStepUp()
  @Post('transfer')
  transfer() {
    return { done: true };
  }

  @Post('logout')
  async logout(@CurrentSession('token') token: string, @Res({ passthrough: true }) res: object) {
    await this.sessions.destroy(token);
    this.sessions.clearCookie(res);
    return { bye: true };
  }
}

/** Every line the app logs, to check no secret reaches the logs. */
class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  log = (...m: unknown[]) => this.lines.push(m.map(String).join(' '));
  error = this.log;
  warn = this.log;
  debug = this.log;
  verbose = this.log;
}

type Adapter = 'express' | 'fastify';

/** A Redis to stop and restart mid-test: one server, or every node of a 3-master cluster. */
interface Topology {
  connection: RedisConnectionOptions;
  stop(): Promise<void>;
  restart(): Promise<void>;
  close(): Promise<void>;
}

async function startTopology(kind: 'standalone' | 'cluster'): Promise<Topology> {
  if (kind === 'standalone') {
    const server = await RedisServer.start();
    return { connection: { url: server.url }, stop: () => server.stop(), restart: () => server.restart(), close: () => server.stop() };
  }
  const cluster = await RedisClusterFixture.start();
  return {
    connection: { cluster: { nodes: cluster.addresses } },
    stop: async () => void (await Promise.all(cluster.nodes.map((n) => n.stop()))),
    restart: async () => {
      await Promise.all(cluster.nodes.map((n) => n.restart()));
      await cluster.waitHealthy();
    },
    close: () => cluster.stop(),
  };
}

async function boot(adapter: Adapter, server: Topology, session: SessionOptions, logger: CapturingLogger): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      RedisModule.forRoot({
        connection: { ...server.connection, commandTimeout: 300, connectTimeout: 2000, maxRetriesPerRequest: 1, reconnect: { baseDelay: 20, maxDelay: 100 } },
        circuitBreaker: { failureThreshold: 3, recoveryTimeout: 200 },
        keyspace: { prefix: `dg${adapter}` },
        session: { cookie: { secure: false }, ...session },
      }),
    ],
    controllers: [Routes],
    providers: [{ provide: APP_GUARD, useClass: SessionGuard }],
  }).compile();
  const app = adapter === 'fastify' ? moduleRef.createNestApplication(new FastifyAdapter()) : moduleRef.createNestApplication();
  app.useLogger(logger);
  await app.init();
  if (adapter === 'fastify') await app.getHttpAdapter().getInstance().ready();
  return app;
}

/** The `name=value` pairs of a response's Set-Cookie headers. */
function cookiesOf(res: request.Response): Record<string, string> {
  const raw = res.headers['set-cookie'] as unknown as string[] | undefined;
  return Object.fromEntries((raw ?? []).map((c) => c.split(';')[0].split('=')).map(([k, ...v]) => [k, v.join('=')]));
}

/** A fallback cookie as the library writes it, signed with `key`. */
function forge(key: string, token: string, userId: string, expiresAt: number): string {
  const body = ['v1', createHash('sha256').update(token).digest('base64url'), Buffer.from(userId).toString('base64url'), String(expiresAt), ''].join('.');
  return `${body}.${createHmac('sha256', key).update(body).digest('base64url')}`;
}

describe.each<[Adapter, 'standalone' | 'cluster']>([
  ['express', 'standalone'],
  ['fastify', 'standalone'],
  ['express', 'cluster'],
])('degraded sign-in on %s, Redis %s', (adapter, topology) => {
  let server: Topology;
  let app: INestApplication;
  let plain: INestApplication;
  const logger = new CapturingLogger();
  let token: string;
  let fallback: string;
  let other: { token: string; fallback: string };
  const http = () => request(app.getHttpServer());
  const me = (cookie: string) => http().get('/me').set('Cookie', cookie).set('User-Agent', 'ua-1');

  async function signIn(user: string): Promise<{ token: string; fallback: string }> {
    const login = await http().post('/login').set('User-Agent', 'ua-1').send({ user }).expect(201);
    const { token } = login.body as { token: string };
    const first = await me(`sid=${token}`).expect(200);
    expect(first.body).toEqual({ userId: user, degraded: false, data: { role: 'user' }, hasToken: true });
    return { token, fallback: cookiesOf(first).sid_fb };
  }

  beforeAll(async () => {
    server = await startTopology(topology);
    const degraded = { enabled: true, signingKey: KEY, verificationKeys: [OLD_KEY], ttl: '2m' };
    [app, plain] = await Promise.all([boot(adapter, server, { degraded, binding: { userAgent: true } }, logger), boot(adapter, server, {}, logger)]);
    ({ token, fallback } = await signIn('ada'));
    other = await signIn('bob');
  });
  afterAll(async () => {
    await Promise.all([app?.close(), plain?.close()]);
    await server?.close();
  });

  it('issues a signed fallback cookie next to the session cookie, once, and not when off', async () => {
    expect(fallback).toMatch(/^v1\.[\w-]{43}\.[\w-]+\.\d+\.[\w-]*\.[\w-]{43}$/);
    const [, , , expiry] = fallback.split('.');
    expect(Number(expiry)).toBeGreaterThan(Date.now());
    expect(Number(expiry)).toBeLessThanOrEqual(Date.now() + 120_000);
    expect(cookiesOf(await me(`sid=${token}; sid_fb=${fallback}`).expect(200)).sid_fb).toBeUndefined(); // still fresh
    // bearer clients get none; an app without `degraded` issues none
    expect(cookiesOf(await http().get('/me').set('Authorization', `Bearer ${token}`).set('User-Agent', 'ua-1').expect(200)).sid_fb).toBeUndefined();
    const login = await request(plain.getHttpServer()).post('/login').send({ user: 'cy' }).expect(201);
    const res = await request(plain.getHttpServer()).get('/me').set('Cookie', `sid=${(login.body as { token: string }).token}`).expect(200);
    expect(cookiesOf(res).sid_fb).toBeUndefined();
  });

  describe('while Redis is stopped', () => {
    beforeAll(async () => {
      await server.stop();
    });
    afterAll(async () => {
      await server.restart();
    });

    it('admits a valid fallback cookie as a read-only degraded session, and counts it', async () => {
      const metrics = app.get(MetricsService);
      const count = async () => Number((await metrics.text()).match(/rediskit_session_guard_total\{outcome="degraded"\} (\d+)/)?.[1] ?? 0);
      const before = await count();
      const res = await me(`sid=${token}; sid_fb=${fallback}`).expect(200);
      expect(res.body).toEqual({ userId: 'ada', degraded: true, data: {}, hasToken: false });
      expect(await count()).toBe(before + 1);
    });

    it('refuses without a fallback cookie, and without degraded sign-in: 503 as before', async () => {
      await me(`sid=${token}`).expect(503);
      await request(plain.getHttpServer()).get('/me').set('Cookie', `sid=${token}; sid_fb=${fallback}`).expect(503);
    });

    it('refuses tampered, foreign, expired, unknown-key and unbound cookies', async () => {
      const parts = fallback.split('.');
      const tampered = [parts[0], parts[1], Buffer.from('admin').toString('base64url'), ...parts.slice(3)].join('.');
      await me(`sid=${token}; sid_fb=${tampered}`).expect(503);
      await me(`sid=${token}; sid_fb=${other.fallback}`).expect(503); // bob's cookie with ada's token
      await me(`sid=${token}; sid_fb=${forge(KEY, token, 'ada', Date.now() - 1000)}`).expect(503); // expired
      await me(`sid=${token}; sid_fb=${forge(UNKNOWN_KEY, token, 'ada', Date.now() + 60_000)}`).expect(503);
      await http().get('/me').set('Cookie', `sid=${token}; sid_fb=${fallback}`).set('User-Agent', 'ua-2').expect(503); // binding
      await me(`sid=${token}; sid_fb=${fallback}x`).expect(503);
    });

    it('accepts cookies signed with the signing key or a verification key (rotation)', async () => {
      // The app binds sessions to the user agent: cookies carry that digest, under the MAC.
      const digest = fallback.split('.')[4];
      const withBinding = (key: string) => {
        const body = ['v1', createHash('sha256').update(token).digest('base64url'), Buffer.from('ada').toString('base64url'), String(Date.now() + 60_000), digest].join('.');
        return `${body}.${createHmac('sha256', key).update(body).digest('base64url')}`;
      };
      await me(`sid=${token}; sid_fb=${withBinding(OLD_KEY)}`).expect(200);
      await me(`sid=${token}; sid_fb=${withBinding(KEY)}`).expect(200);
      await me(`sid=${token}; sid_fb=${withBinding(UNKNOWN_KEY)}`).expect(503);
      await me(`sid=${token}; sid_fb=${forge(KEY, token, 'ada', Date.now() + 60_000)}`).expect(503); // without the binding digest
    });

    it('grants no step-up and lets routes refuse degraded sessions', async () => {
      const cookie = `sid=${token}; sid_fb=${fallback}`;
      await http().post('/pay').set('Cookie', cookie).set('User-Agent', 'ua-1').expect(503);
      await http().post('/transfer').set('Cookie', cookie).set('User-Agent', 'ua-1').expect(503);
    });
  });

  it('after the restart Redis decides again (the session is gone: 401), and no secret ever reached a log', async () => {
    const deadline = Date.now() + 10_000;
    let res = await me(`sid=${token}; sid_fb=${fallback}`);
    while (res.status !== 401 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      res = await me(`sid=${token}; sid_fb=${fallback}`);
    }
    // Redis restarted empty: the session is gone, so the token is unknown (401), never degraded
    expect(res.status).toBe(401);
    const logged = logger.lines.join('\n');
    for (const secret of [KEY, OLD_KEY, token, fallback, fallback.split('.')[5]]) expect(logged).not.toContain(secret);
    expect(logged).toMatch(/503/); // the outage was logged
  });

  it('bad options fail at boot naming the fields, never the keys', async () => {
    const short = 'too-short-secret';
    const error = await boot(adapter, server, { degraded: { enabled: true, signingKey: short, verificationKeys: [short], ttl: '1h' } }, logger).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(/session\.degraded\.signingKey/);
    expect(error?.message).toMatch(/session\.degraded\.verificationKeys/);
    expect(error?.message).toMatch(/session\.degraded\.ttl/);
    expect(error?.message).not.toContain(short);
    const missing = await boot(adapter, server, { degraded: { enabled: true } }, logger).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(missing?.message).toMatch(/signingKey must be a string of at least 32 characters \(required when enabled\)/);
  });
});
