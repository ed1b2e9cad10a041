import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { createDemoApp } from '../../apps/demo/src/app.factory.js';
import { RedisServer, waitFor } from '../harness/index.js';

interface LogLine {
  level: string;
  context?: string;
  message: string;
  requestId?: string;
}

/**
 * LOG_FORMAT=json: the demo writes one JSON object per line, and a line the library writes
 * while serving a request carries that request's X-Request-Id.
 */
describe('demo logs (LOG_FORMAT=json)', () => {
  let redis: RedisServer;
  let app: NestExpressApplication;
  const lines: LogLine[] = [];
  const write = process.stdout.write.bind(process.stdout);

  beforeAll(async () => {
    redis = await RedisServer.start();
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
      const text = String(chunk);
      if (!text.startsWith('{')) return write(chunk, ...(rest as []));
      for (const line of text.trim().split('\n')) lines.push(JSON.parse(line) as LogLine);
      return true;
    });
    app = await createDemoApp({ NODE_ENV: 'test', REDIS_URL: redis.url, TRUST_PROXY: 'loopback', LOG_FORMAT: 'json' });
    await app.listen(0, '127.0.0.1');
  });
  afterAll(async () => {
    redis?.resume();
    await app?.close();
    await redis?.stop();
    jest.restoreAllMocks();
  });

  it('writes JSON lines, and a library line written during a request carries its X-Request-Id', async () => {
    expect(lines.some((l) => l.level === 'log' && typeof l.message === 'string' && l.requestId === undefined)).toBe(true); // boot lines
    // Redis hangs: the login route's rate limit falls back to its failure policy and the
    // limiter (library code) logs it, inside the request.
    redis.pause();
    const res = await request(app.getHttpServer()).post('/auth/login').set('X-Request-Id', 'demo-log-check-1').set('X-Forwarded-For', '203.0.113.9').send({ email: 'ada@example.com', password: 'demo-password' });
    redis.resume();
    expect(res.headers['x-request-id']).toBe('demo-log-check-1');
    await waitFor(async () => lines.some((l) => l.context === 'RateLimiter'), 5000, 'the rate limiter to log the outage');
    const line = lines.find((l) => l.context === 'RateLimiter')!;
    expect(line.level).toBe('warn');
    expect(line.requestId).toBe('demo-log-check-1');
    expect(line.message).toMatch(/(Redis|did not answer).* \(request demo-log-check-1\)$/);
  });
});
