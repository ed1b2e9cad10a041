import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Body, Controller, Get, HttpCode, Post, Req, Res, UseGuards, type INestApplication } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import type { Request, Response } from 'express';
import request from 'supertest';
import {
  CurrentSession,
  MetricsService,
  Public,
  RedisModule,
  RedisRegistry,
  RequireStepUp,
  SessionEvents,
  SessionGuard,
  SessionService,
  type Session,
  type SessionEvent,
} from 'nestjs-rediskit';
import { RedisServer } from '../harness/index.js';

@Controller()
class AuthController {
  constructor(private readonly sessions: SessionService) {}

  @Public()
  @Post('login')
  async login(@Body() body: { user: string; device?: string }, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    const { token, session } = await this.sessions.create(body.user, { role: 'user' }, { ...this.sessions.clientOf(req), device: body.device });
    this.sessions.setCookie(res, token, session);
    return { token };
  }

  @Public()
  @Get('public')
  open(@CurrentSession() session?: Session) {
    return { open: true, session: session ?? null };
  }

  @Get('me')
  me(@CurrentSession() session: Session, @CurrentSession('userId') userId: string) {
    return { userId, data: session.data, id: session.id };
  }

  @Post('rotate')
  async rotate(@CurrentSession('token') token: string, @Res({ passthrough: true }) res: Response) {
    const rotated = await this.sessions.rotate(token);
    this.sessions.setCookie(res, rotated!.token, rotated!.session);
    return { token: rotated!.token };
  }

  @Post('verify')
  @HttpCode(204)
  async verify(@CurrentSession('token') token: string) {
    await this.sessions.markVerified(token, 'webauthn', '1m');
  }

  @RequireStepUp('webauthn')
  @Post('transfer')
  transfer() {
    return { done: true };
  }

  @Post('logout')
  async logout(@CurrentSession('token') token: string, @Res({ passthrough: true }) res: Response) {
    await this.sessions.destroy(token);
    this.sessions.clearCookie(res);
    return { bye: true };
  }
}

describe('SessionGuard (global) on an HTTP app', () => {
  let server: RedisServer;
  let app: INestApplication;
  const events: SessionEvent[] = [];

  // The risk score comes from a test header, so each test picks its own.
  const riskAssessor = (_session: Session, req: unknown) => {
    const header = (req as Request).headers['x-risk'];
    if (header === 'throw') throw new Error('risk engine down');
    return Number(header ?? 0);
  };

  beforeAll(async () => {
    server = await RedisServer.start();
    const moduleRef = await Test.createTestingModule({
      imports: [
        RedisModule.forRoot({
          connection: { url: server.url, maxRetriesPerRequest: 0, reconnect: { baseDelay: 10, maxDelay: 50 } },
          circuitBreaker: { failureThreshold: 3, recoveryTimeout: 60_000 },
          session: { ttl: '10m', cookie: { name: '__Host-sid', sameSite: 'strict' }, binding: { userAgent: true }, riskAssessor },
        }),
      ],
      controllers: [AuthController],
      providers: [{ provide: APP_GUARD, useClass: SessionGuard }],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    app.get(SessionEvents).onAny((e) => void events.push(e));
  });
  afterAll(async () => {
    await app?.close();
    await server?.stop();
  });

  const http = () => request(app.getHttpServer());
  const login = async (user: string) => {
    const res = await http().post('/login').set('User-Agent', 'TestAgent/1').send({ user, device: 'test' }).expect(201);
    return { token: res.body.token as string, cookie: res.headers['set-cookie'] as unknown as string[] };
  };

  it('sets the configured cookie at login: HttpOnly, Secure, SameSite, no Expires', async () => {
    const { token, cookie } = await login('ann');
    expect(cookie).toHaveLength(1);
    expect(cookie[0]).toBe(`__Host-sid=${token}; Path=/; HttpOnly; Secure; SameSite=Strict`);
  });

  it('accepts the token from the cookie or the bearer header and hands the session to the handler', async () => {
    const { token } = await login('bob');
    const viaCookie = await http().get('/me').set('User-Agent', 'TestAgent/1').set('Cookie', `other=1; __Host-sid=${token}`).expect(200);
    expect(viaCookie.body).toMatchObject({ userId: 'bob', data: { role: 'user' } });
    const viaHeader = await http().get('/me').set('User-Agent', 'TestAgent/1').set('Authorization', `Bearer ${token}`).expect(200);
    expect(viaHeader.body.id).toBe(viaCookie.body.id);
  });

  it('answers 401 without a token, with a malformed, unknown or logged-out token', async () => {
    await http().get('/me').expect(401);
    await http().get('/me').set('Authorization', 'Bearer nope').expect(401);
    await http().get('/me').set('Authorization', `Bearer ${'A'.repeat(45)}`).expect(401);
    const { token } = await login('carl');
    const out = await http().post('/logout').set('User-Agent', 'TestAgent/1').set('Authorization', `Bearer ${token}`).expect(201);
    expect(out.headers['set-cookie']).toEqual([expect.stringContaining('__Host-sid=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0')]);
    await http().get('/me').set('User-Agent', 'TestAgent/1').set('Authorization', `Bearer ${token}`).expect(401);
  });

  it('lets @Public() routes through without a session', async () => {
    expect((await http().get('/public').expect(200)).body).toEqual({ open: true, session: null });
  });

  it('rotates through a route: the old token is refused at once', async () => {
    const { token } = await login('dina');
    const res = await http().post('/rotate').set('User-Agent', 'TestAgent/1').set('Authorization', `Bearer ${token}`).expect(201);
    await http().get('/me').set('User-Agent', 'TestAgent/1').set('Authorization', `Bearer ${token}`).expect(401);
    await http().get('/me').set('User-Agent', 'TestAgent/1').set('Authorization', `Bearer ${res.body.token}`).expect(200);
  });

  it('refuses a session used from another user agent (binding)', async () => {
    const { token } = await login('eve');
    await http().get('/me').set('User-Agent', 'OtherAgent/9').set('Authorization', `Bearer ${token}`).expect(401);
    expect(events).toContainEqual(expect.objectContaining({ type: 'rejected', userId: 'eve', reason: 'user-agent' }));
  });

  it('applies the risk thresholds: step-up at 0.5, deny at 0.8', async () => {
    const { token } = await login('fay');
    const as = (risk: string) => http().get('/me').set('User-Agent', 'TestAgent/1').set('Authorization', `Bearer ${token}`).set('x-risk', risk);
    await as('0.1').expect(200);
    const stepUp = await as('0.6').expect(403);
    expect(stepUp.body).toMatchObject({ error: 'STEP_UP_REQUIRED' });
    await as('0.9').expect(401);
    expect(events).toContainEqual(expect.objectContaining({ type: 'rejected', userId: 'fay', reason: 'risk', risk: 0.9 }));
    await as('7').expect(401); // out of range counts as 1
    await http().post('/verify').set('User-Agent', 'TestAgent/1').set('Authorization', `Bearer ${token}`).expect(204);
    await as('0.6').expect(200);
    await as('throw').expect(503);
  });

  it('requires a fresh verification on @RequireStepUp() routes', async () => {
    const { token } = await login('gus');
    const call = () => http().post('/transfer').set('User-Agent', 'TestAgent/1').set('Authorization', `Bearer ${token}`);
    expect((await call().expect(403)).body).toMatchObject({ error: 'STEP_UP_REQUIRED', factors: ['webauthn'] });
    await http().post('/verify').set('User-Agent', 'TestAgent/1').set('Authorization', `Bearer ${token}`).expect(204);
    await call().expect(201);
  });

  it('counts its decisions', async () => {
    const text = await app.get(MetricsService).text();
    for (const outcome of ['allowed', 'public', 'unauthenticated', 'rejected', 'step_up', 'unavailable']) {
      expect(text).toMatch(new RegExp(`rediskit_session_guard_total\\{outcome="${outcome}"\\} [1-9]`));
    }
  });

  it('answers 503 while the circuit is open and while Redis is down — never 500, never a pass', async () => {
    const { token } = await login('hal');
    const me = () => http().get('/me').set('User-Agent', 'TestAgent/1').set('Authorization', `Bearer ${token}`);
    await me().expect(200);

    const breaker = app.get(RedisRegistry).get().breaker;
    breaker.open();
    await me().expect(503);
    await http().get('/public').expect(200);
    // the login route calls SessionService.create itself: Nest's own filter answers 503
    const refused = await http().post('/login').send({ user: 'ida' }).expect(503);
    expect(refused.body).toEqual({ statusCode: 503, message: 'Service Unavailable' });
    breaker.close();
    await me().expect(200);

    await server.stop();
    for (let i = 0; i < 6; i++) {
      const res = await me();
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ statusCode: 503 });
    }
    expect(breaker.state).toBe('open');
    await http().post('/login').send({ user: 'ida' }).expect(503);
    await http().get('/me').expect(401); // no token: refused before Redis is asked
  });
});

@Controller('per-route')
class PerRouteController {
  @Get('open')
  open() {
    return { open: true };
  }

  @UseGuards(SessionGuard)
  @Get('closed')
  closed(@CurrentSession('userId') userId: string) {
    return { userId };
  }
}

describe('SessionGuard per route', () => {
  let server: RedisServer;
  let app: INestApplication;

  beforeAll(async () => {
    server = await RedisServer.start();
    const moduleRef = await Test.createTestingModule({
      imports: [RedisModule.forRoot({ connection: { url: server.url, commandTimeout: 300, maxRetriesPerRequest: 0 } })],
      controllers: [PerRouteController],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
  });
  afterAll(async () => {
    server?.resume();
    await app?.close();
    await server?.stop();
  });

  it('guards only the routes that ask for it, and answers 503 while Redis hangs', async () => {
    const { token } = await app.get(SessionService).create('ivy');
    const http = () => request(app.getHttpServer());
    await http().get('/per-route/open').expect(200);
    await http().get('/per-route/closed').expect(401);
    expect((await http().get('/per-route/closed').set('Authorization', `Bearer ${token}`).expect(200)).body).toEqual({ userId: 'ivy' });

    server.pause(); // SIGSTOP: the socket stays open, nothing answers
    const res = await http().get('/per-route/closed').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(503);
    await http().get('/per-route/open').expect(200);
    server.resume();
  });
});
