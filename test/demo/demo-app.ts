import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { RedisServer } from '../harness/index.js';
import { createDemoApp } from '../../apps/demo/src/app.factory.js';

/** A demo app on a free port against a harness redis-server, with an in-memory PGlite. */
export interface DemoUnderTest {
  app: NestExpressApplication;
  redis: RedisServer;
  url: string;
  close(): Promise<void>;
}

/**
 * Starts the demo as the tests see it: NODE_ENV=test, and `trust proxy` for loopback so each
 * test can be its own client address (X-Forwarded-For) and keep its own rate-limit budget.
 */
export async function startDemo(env: Record<string, string> = {}): Promise<DemoUnderTest> {
  const redis = await RedisServer.start();
  try {
    const app = await createDemoApp({ NODE_ENV: 'test', REDIS_URL: redis.url, TRUST_PROXY: 'loopback', ...env }, { logger: false });
    await app.listen(0, '127.0.0.1');
    const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    return {
      app,
      redis,
      url,
      async close() {
        await app.close();
        await redis.stop();
      },
    };
  } catch (error) {
    await redis.stop();
    throw error;
  }
}

let nextIp = 1;
/** A client address no other test uses. */
export function freshIp(): string {
  const n = nextIp++;
  return `198.51.${(n >> 8) & 255}.${n & 255}`;
}

/** Logs in with the demo password from a fresh address; returns the `sid=...` cookie pair. */
export async function login(url: string, email: string, ip = freshIp()): Promise<string> {
  const res = await request(url).post('/auth/login').set('X-Forwarded-For', ip).send({ email, password: 'demo-password' }).expect(200);
  return sessionCookie(res.headers['set-cookie']);
}

/** The `sid=...` pair of a Set-Cookie header list. */
export function sessionCookie(setCookie: string | string[] | undefined): string {
  const list = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  const sid = list.find((c) => c.startsWith('sid=') && !c.startsWith('sid=;'));
  if (!sid) throw new Error(`no session cookie in ${JSON.stringify(setCookie)}`);
  return sid.split(';')[0];
}
