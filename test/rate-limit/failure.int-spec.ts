import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, type INestApplication } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { MetricsService, RateLimit, RateLimitGuard, RateLimiterService, RedisModule, type RateLimitPolicy } from 'nestjs-rediskit';
import { RedisServer, waitFor } from '../harness/index.js';
import { parseList } from './structured-fields.js';

const COMMAND_TIMEOUT = 500;
const open: RateLimitPolicy = { name: 'open', limit: 1, window: '1h' };
const closed: RateLimitPolicy = { name: 'closed', limit: 1, window: '1h', failure: 'closed' };
const memory: RateLimitPolicy = { name: 'memory', limit: 2, window: '1h', algorithm: 'token-bucket', failure: 'memory' };

@Controller('f')
class FailureController {
  @Get('open') @RateLimit(open) open() {
    return 'ok';
  }
  @Get('closed') @RateLimit(closed) closed() {
    return 'ok';
  }
  @Get('memory') @RateLimit(memory) memory() {
    return 'ok';
  }
}

async function metric(app: INestApplication, sample: string): Promise<number> {
  const text = await app.get(MetricsService).text();
  const line = text.split('\n').find((l) => l.startsWith(sample + ' '));
  return line ? Number(line.slice(sample.length + 1)) : 0;
}

/** Ms a call takes. */
async function timed<T>(call: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await call();
  return [result, performance.now() - started];
}

describe('rate-limit failure policies with Redis down', () => {
  let server: RedisServer;
  let app: INestApplication;
  const limiter = () => app.get(RateLimiterService);
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    server = await RedisServer.start();
    const moduleRef = await Test.createTestingModule({
      imports: [
        RedisModule.forRoot({
          connection: { url: server.url, commandTimeout: COMMAND_TIMEOUT },
          circuitBreaker: { failureThreshold: 3, recoveryTimeout: 300 },
          rateLimit: { failure: 'open' },
        }),
      ],
      controllers: [FailureController],
      providers: [{ provide: APP_GUARD, useClass: RateLimitGuard }],
    }).compile();
    app = await moduleRef.createNestApplication({ logger: false }).init();
  });
  afterAll(async () => {
    server?.resume();
    await app?.close();
    await server?.stop();
  });

  it('decides by Redis while it is up, and counts allowed/blocked per policy', async () => {
    const before = await metric(app, 'rediskit_rate_limit_decisions_total{policy="open",result="blocked"}');
    await http().get('/f/open').expect(200);
    await http().get('/f/open').expect(429);
    await http().get('/f/closed').expect(200);
    expect(await metric(app, 'rediskit_rate_limit_decisions_total{policy="open",result="allowed"}')).toBe(1);
    expect(await metric(app, 'rediskit_rate_limit_decisions_total{policy="open",result="blocked"}')).toBe(before + 1);
  });

  it('with Redis stopped: open admits, closed refuses with 503, memory limits per instance — at once', async () => {
    await server.stop();
    const fallbacksBefore = await metric(app, 'rediskit_rate_limit_fallbacks_total{policy="open",mode="open"}');

    const [openDecision, openMs] = await timed(() => limiter().consume('someone', open));
    expect(openDecision).toMatchObject({ allowed: true, fallback: 'open' });
    expect(openMs).toBeLessThan(COMMAND_TIMEOUT);
    const admitted = await http().get('/f/open').expect(200);
    expect(parseList(admitted.headers['ratelimit'])[0].value).toBe('open');

    const [closedDecision, closedMs] = await timed(() => limiter().consume('someone', closed));
    expect(closedDecision).toMatchObject({ allowed: false, fallback: 'closed', retryAfterMs: 1000 });
    expect(closedMs).toBeLessThan(COMMAND_TIMEOUT);
    const refused = await http().get('/f/closed').expect(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.body).toMatchObject({ statusCode: 503, violatedPolicies: ['closed'] });

    await http().get('/f/memory').expect(200);
    await http().get('/f/memory').expect(200);
    await http().get('/f/memory').expect(429);
    expect((await limiter().peek('x', memory)).fallback).toBe('memory');

    expect(await metric(app, 'rediskit_rate_limit_fallbacks_total{policy="open",mode="open"}')).toBe(fallbacksBefore + 2);
    expect(await metric(app, 'rediskit_rate_limit_fallbacks_total{policy="closed",mode="closed"}')).toBe(2);
    expect(await metric(app, 'rediskit_rate_limit_fallbacks_total{policy="memory",mode="memory"}')).toBeGreaterThanOrEqual(3);
  });

  it('decides by Redis again once it is back', async () => {
    await server.restart();
    await waitFor(async () => (await limiter().peek('back', open)).fallback === undefined, 20_000, 'Redis-backed decisions');
    expect(await limiter().consume('back', open)).toMatchObject({ allowed: true, remaining: 0 });
    expect((await limiter().consume('back', open)).allowed).toBe(false);
  });

  it('with Redis hung (SIGSTOP) the decision comes within the command timeout', async () => {
    await waitFor(async () => (await limiter().peek('hung', open)).fallback === undefined, 20_000, 'Redis-backed decisions');
    server.pause();
    try {
      const [decision, ms] = await timed(() => limiter().consume('hung', closed));
      expect(decision).toMatchObject({ allowed: false, fallback: 'closed' });
      // The socket is declared dead after commandTimeout without a reply; allow for a loaded machine.
      expect(ms).toBeLessThan(COMMAND_TIMEOUT * 4);
    } finally {
      server.resume();
    }
    await waitFor(async () => (await limiter().peek('hung', open)).fallback === undefined, 20_000, 'Redis-backed decisions');
  });
});
