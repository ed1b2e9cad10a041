import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';
import { CacheService, LockService, PubSubService, RateLimiterService, RedisModule, RedisRegistry, SessionService } from 'nestjs-rediskit';
import { RedisServer } from '../../test/harness/redis-server.js';

/** Every call's time budget in this benchmark (the capabilities' `commandTimeout`). */
const BUDGET = 250;
const FIRST_CALLS = 20;
const OPEN_CALLS = 200;

interface Stats {
  p50: number;
  p99: number;
  max: number;
}

const stats = (ms: number[]): Stats => {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
  return { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] };
};

async function timed(call: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await call().catch(() => undefined);
  return performance.now() - started;
}

/**
 * What callers see while Redis is hung (SIGSTOP) and while it is down (SIGKILL), per
 * capability: latency of the first calls (the budget runs out; target ≤ budget + 50 ms), of the
 * calls once the circuit is open (target ≤ 5 ms), and the time from Redis answering again to the
 * capability's first successful call (target ≤ 1 s). One app, one redis-server, every
 * capability configured, budgets of 250 ms, production defaults otherwise.
 */
export default async function outage(): Promise<void> {
  const server = await RedisServer.start();
  const moduleRef = await Test.createTestingModule({
    imports: [
      RedisModule.forRoot({
        connection: { url: server.url, commandTimeout: BUDGET },
        keyspace: { prefix: 'bench' },
        cache: {},
        session: {},
        lock: { retry: { attempts: 0 } },
        rateLimit: { failure: 'open' },
        pubsub: {},
      }),
    ],
  }).compile();
  const app = await moduleRef.createNestApplication({ logger: false }).init();
  const breaker = app.get(RedisRegistry).get().breaker;
  const sessions = app.get(SessionService);
  const { token } = await sessions.create('bench-user');
  const policy = { name: 'bench', limit: 1_000_000, window: '1h' };
  let n = 0;

  // Each call resolves when Redis answered it, rejects (or reports a fallback) otherwise.
  const capabilities: Record<string, () => Promise<unknown>> = {
    // A cache read never fails: a Redis error is a miss, counted in stats().errors.
    'cache get (Redis read)': async () => {
      const cache = app.get(CacheService);
      const errors = cache.stats().errors;
      await cache.get('outage', { skipL1: true });
      if (cache.stats().errors > errors) throw new Error('Redis error absorbed');
    },
    // Redis restarts empty: a null session is an answer too.
    'session get': () => sessions.get(token),
    'rate-limit consume': async () => {
      if ((await app.get(RateLimiterService).consume('bench', policy)).fallback) throw new Error('fallback');
    },
    'lock tryAcquire + release': async () => {
      const lock = await app.get(LockService).tryAcquire(`outage:${n++}`);
      await lock?.release();
      if (!lock) throw new Error('not acquired');
    },
    'pubsub publish': () => app.get(PubSubService).publish('outage', { n: n++ }),
  };

  const answersAgain = async () => {
    const probe = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => 20 });
    for (;;) {
      if (await probe.ping().then(() => true, () => false)) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    probe.disconnect();
  };
  const firstSuccess = async (call: () => Promise<unknown>, since: number) => {
    for (;;) {
      if (await call().then(() => true, () => false)) return performance.now() - since;
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  const closed = async () => {
    while (breaker.state !== 'closed') await new Promise((r) => setTimeout(r, 10));
  };

  const rows: string[] = [];
  for (const mode of ['hung', 'down'] as const) {
    for (const [name, call] of Object.entries(capabilities)) {
      await closed();
      await call().catch(() => undefined); // warm: scripts loaded, connections open
      if (mode === 'hung') server.pause();
      else await server.kill();
      const first = await Promise.all(Array.from({ length: FIRST_CALLS }, () => timed(call)));
      while (breaker.state === 'closed') await timed(call);
      const open: number[] = [];
      for (let i = 0; i < OPEN_CALLS; i++) open.push(await timed(call));
      let since: number;
      if (mode === 'hung') {
        server.resume();
        since = performance.now();
      } else {
        await server.restart();
        await answersAgain();
        since = performance.now();
      }
      const recovery = await firstSuccess(call, since);
      const f = stats(first);
      const o = stats(open);
      rows.push(
        `| ${name} | ${mode} | ${f.p50.toFixed(0)} / ${f.p99.toFixed(0)} / ${f.max.toFixed(0)} | ${o.p50.toFixed(2)} / ${o.p99.toFixed(2)} / ${o.max.toFixed(2)} | ${recovery.toFixed(0)} |`,
      );
    }
  }
  console.log(
    [
      `### outage: budget ${BUDGET} ms, ${FIRST_CALLS} concurrent first calls, ${OPEN_CALLS} calls once the circuit is open`,
      '',
      '| capability | Redis | first calls p50 / p99 / max ms (target ≤ budget + 50) | circuit open p50 / p99 / max ms (target ≤ 5) | Redis answering → first success ms (target ≤ 1000) |',
      '|---|---|---:|---:|---:|',
      ...rows,
      '',
    ].join('\n'),
  );
  await app.close();
  await server.stop();
}
