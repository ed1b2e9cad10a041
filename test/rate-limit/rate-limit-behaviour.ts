import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { Controller, Get, type INestApplication } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import calculateSlot from 'cluster-key-slot';
import fc from 'fast-check';
import {
  MetricsService,
  RATE_LIMIT_ALGORITHMS,
  RateLimit,
  RateLimitGuard,
  RateLimiterService,
  RedisModule,
  RedisRegistry,
  type RateLimitAlgorithm,
  type RateLimitDecision,
  type RateLimitPolicy,
  type RedisConnectionOptions,
} from 'nestjs-rediskit';
import { MemoryRateLimiter, scanKeys } from '../internals.js';
import { RediskitThrottlerStorage } from 'nestjs-rediskit/throttler';
import { waitFor, type RedisServer } from '../harness/index.js';

/** Where the tests run: how to connect, and which server holds a key's slot. */
export interface Topology {
  connection(): RedisConnectionOptions;
  nodes(): RedisServer[];
  nodeFor(key: string): Promise<RedisServer>;
}

const LIMIT = 100;
// A day-long window: a test run never straddles a window boundary (fixed / sliding counter),
// and bucket algorithms refill one unit per 14 minutes, so nothing refills during a test.
const WINDOW = '1d';
const DAY_MS = 86_400_000;

function routeRule(algorithm: RateLimitAlgorithm): RateLimitPolicy & { key: 'route' } {
  return { name: 'exact', limit: LIMIT, window: WINDOW, algorithm, key: 'route' };
}

@Controller('exact')
class ExactnessController {
  @Get('fixed-window') @RateLimit(routeRule('fixed-window')) fixed() {
    return 'ok';
  }
  @Get('sliding-window-log') @RateLimit(routeRule('sliding-window-log')) log() {
    return 'ok';
  }
  @Get('sliding-window-counter') @RateLimit(routeRule('sliding-window-counter')) counter() {
    return 'ok';
  }
  @Get('token-bucket') @RateLimit(routeRule('token-bucket')) bucket() {
    return 'ok';
  }
  @Get('gcra') @RateLimit(routeRule('gcra')) gcra() {
    return 'ok';
  }
}

/** Counts admitted requests in a stream of decisions. */
const admitted = (decisions: { allowed: boolean }[]) => decisions.filter((d) => d.allowed).length;

/**
 * The properties every topology must show, with four Nest app instances on the same Redis.
 */
export function rateLimitBehaviour(topology: () => Topology): void {
  const prefix = `rl${process.pid}`;
  let apps: INestApplication[] = [];
  let urls: string[] = [];
  const limiter = (i = 0) => apps[i].get(RateLimiterService);
  const fallbacks = async () => {
    const texts = await Promise.all(apps.map((a) => a.get(MetricsService).text()));
    return texts.flatMap((t) => t.split('\n').filter((l) => l.startsWith('rediskit_rate_limit_fallbacks_total'))).reduce((n, l) => n + Number(l.split(' ').pop()), 0);
  };

  beforeAll(async () => {
    apps = await Promise.all(
      Array.from({ length: 4 }, async () => {
        const moduleRef = await Test.createTestingModule({
          // 1000 requests in the test's own process can stall its event loop for a while; a
          // generous commandTimeout keeps a stalled loop from looking like a dead Redis.
          imports: [RedisModule.forRoot({ connection: { ...topology().connection(), commandTimeout: 5000 }, keyspace: { prefix } })],
          controllers: [ExactnessController],
          providers: [{ provide: APP_GUARD, useClass: RateLimitGuard }],
        }).compile();
        const app = moduleRef.createNestApplication({ logger: false });
        await app.listen(0, '127.0.0.1');
        return app;
      }),
    );
    urls = await Promise.all(apps.map((a) => a.getUrl()));
  });
  afterAll(async () => {
    await Promise.all(apps.map((a) => a.close()));
  });

  describe('exactness: 1000 concurrent requests from 4 app instances against a limit of 100', () => {
    it.each(RATE_LIMIT_ALGORITHMS)('%s', async (algorithm) => {
      // The counter adds up over the suite (and a retried attempt): count this attempt's only.
      const fallbacksBefore = await fallbacks();
      const statuses = await Promise.all(
        Array.from({ length: 1000 }, (_, i) => fetch(`${urls[i % 4]}/exact/${algorithm}`).then((r) => r.status)),
      );
      const ok = statuses.filter((s) => s === 200).length;
      expect(statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);
      // Every decision came from Redis, none from the failure policy.
      expect((await fallbacks()) - fallbacksBefore).toBe(0);
      if (algorithm === 'sliding-window-counter') {
        expect(Math.abs(ok - LIMIT)).toBeLessThanOrEqual(LIMIT * 0.01);
      } else {
        expect(ok).toBe(LIMIT);
      }
    });
  });

  describe('clock skew: instances whose clocks differ by minutes decide the same', () => {
    // App 0 keeps the true time; the others run 7 minutes ahead, 5 behind, 13 ahead.
    const offsets = [0, 7 * 60_000, -5 * 60_000, 13 * 60_000];
    const realNow = Date.now.bind(Date);

    async function run(key: string, policy: RateLimitPolicy, skewed: boolean): Promise<RateLimitDecision[]> {
      const decisions: RateLimitDecision[] = [];
      for (let i = 0; i < 130; i++) {
        const spy = skewed ? jest.spyOn(Date, 'now').mockImplementation(() => realNow() + offsets[i % 4]) : undefined;
        try {
          decisions.push(await limiter(i % 4).consume(key, policy));
        } finally {
          spy?.mockRestore();
        }
      }
      return decisions;
    }

    it.each(RATE_LIMIT_ALGORITHMS)('%s', async (algorithm) => {
      const policy: RateLimitPolicy = { name: 'skew', limit: LIMIT, window: WINDOW, algorithm };
      const reference = await run(`skew-reference-${algorithm}`, policy, false);
      const skewed = await run(`skew-skewed-${algorithm}`, policy, true);
      expect(admitted(skewed)).toBe(LIMIT);
      expect(skewed.map((d) => [d.allowed, d.remaining])).toEqual(reference.map((d) => [d.allowed, d.remaining]));
      expect(skewed.slice(0, LIMIT).map((d) => d.remaining)).toEqual(Array.from({ length: LIMIT }, (_, i) => LIMIT - 1 - i));
      for (const d of skewed) expect(d.fallback).toBeUndefined();
    });

    it('a limiter on the app clock would not (control)', () => {
      // Two instances sharing state but each reading its own clock, 7 minutes apart.
      const t = realNow();
      let offset = 0;
      const appClock = new MemoryRateLimiter(10, () => t + offset);
      const policy: RateLimitPolicy = { name: 'skew', limit: 10, window: 60_000 };
      let admittedCount = 0;
      for (let i = 0; i < 15; i++) {
        offset = i % 2 ? 7 * 60_000 : 0;
        admittedCount += appClock.decide('k', policy, 1, true)[0];
      }
      expect(admittedCount).toBeGreaterThan(10);
    });
  });

  it('each decision is one script call (EVALSHA; EVAL once per server to load the script) on one slot', async () => {
    const n = 20;
    const keys = ['one', 'two', 'three'];
    const nodes = topology().nodes();
    const perNode = async () =>
      Promise.all(
        nodes.map(async (node) => {
          const text = await node.cli('INFO', 'commandstats');
          const calls = (name: string) => Number(new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(text)?.[1] ?? 0);
          return { eval: calls('eval'), evalsha: calls('evalsha') };
        }),
      );
    const decide = async () => {
      await Promise.all(nodes.map((node) => node.cli('CONFIG', 'RESETSTAT')));
      for (const algorithm of RATE_LIMIT_ALGORITHMS) {
        for (let i = 0; i < n; i++) await limiter(i % 4).consume(keys[i % 3], { name: 'rt', limit: 1000, window: WINDOW, algorithm, blockDuration: '1m' });
      }
      return perNode();
    };
    const total = (stats: { eval: number; evalsha: number }[], name: 'eval' | 'evalsha') => stats.reduce((sum, s) => sum + s[name], 0);
    await Promise.all(nodes.map((node) => node.cli('SCRIPT', 'FLUSH')));
    // Each decision is one EVALSHA; a server without the script answers NOSCRIPT once per
    // script, and that decision is sent again as EVAL (which loads it).
    const cold = await decide();
    expect(total(cold, 'evalsha')).toBe(n * RATE_LIMIT_ALGORITHMS.length);
    for (const node of cold) expect(node.eval).toBe(node.evalsha > 0 ? RATE_LIMIT_ALGORITHMS.length : 0);
    const warm = await decide();
    expect({ eval: total(warm, 'eval'), evalsha: total(warm, 'evalsha') }).toEqual({ eval: 0, evalsha: n * RATE_LIMIT_ALGORITHMS.length });
  });

  it.each(RATE_LIMIT_ALGORITHMS)('%s: decisions batched in one tick stay independent, with and without a penalty box', async (algorithm) => {
    const boxed: RateLimitPolicy = { name: `batch-boxed-${algorithm}`, limit: 1, window: WINDOW, algorithm, blockDuration: '1h' };
    const open: RateLimitPolicy = { name: `batch-open-${algorithm}`, limit: 2, window: WINDOW, algorithm };
    const decisions = await Promise.all([
      limiter().consume('a', boxed),
      limiter().consume('b', open),
      limiter().consume('a', boxed), // refused: opens a's penalty box
      limiter().consume('b', open),
      limiter().consume('b', open), // refused: no box
      limiter().peek('c', open),
    ]);
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, false, true, false, true]);
    expect(decisions.map((d) => d.remaining)).toEqual([0, 1, 0, 0, 0, 1]);
    expect(decisions[2].retryAfterMs).toBe(3_600_000);
    expect(decisions[4].retryAfterMs).toBeGreaterThan(0);
    expect((await limiter().peek('a', boxed)).retryAfterMs).toBeGreaterThan(3_500_000);
  });

  describe('peek answers what consume then decides: allowed, remaining after the cost, reset and retry', () => {
    let run = 0;
    it.each(RATE_LIMIT_ALGORITHMS)('%s', async (algorithm) => {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 10 }), fc.boolean(), async (costs, boxed) => {
          const policy: RateLimitPolicy = { name: `agree-${algorithm}`, limit: 5, window: WINDOW, algorithm, ...(boxed ? { blockDuration: '1h' } : {}) };
          const key = `agree-${algorithm}-${run++}`;
          for (const [i, cost] of costs.entries()) {
            const started = Date.now();
            const peeked = await limiter(i % 4).peek(key, policy, { cost });
            const consumed = await limiter((i + 1) % 4).consume(key, policy, { cost });
            // Redis' clock moved on by at most the time both calls took (plus rounding up).
            const drift = Date.now() - started + 2;
            const { resetMs, retryAfterMs, ...rest } = peeked;
            expect(rest).toEqual({ allowed: consumed.allowed, limit: consumed.limit, remaining: consumed.remaining, policy: consumed.policy });
            expect(resetMs).toBeGreaterThanOrEqual(consumed.resetMs);
            expect(resetMs - consumed.resetMs).toBeLessThanOrEqual(drift);
            expect(retryAfterMs).toBeGreaterThanOrEqual(consumed.retryAfterMs);
            expect(retryAfterMs - consumed.retryAfterMs).toBeLessThanOrEqual(drift);
            expect(retryAfterMs > 0).toBe(!peeked.allowed);
          }
        }),
        { numRuns: 15 },
      );
    });
  });

  describe('peek and reset touch exactly the keys consume writes', () => {
    it.each(RATE_LIMIT_ALGORITHMS)('%s', async (algorithm) => {
      const policy: RateLimitPolicy = { name: `keys-${algorithm}`, limit: 3, window: WINDOW, algorithm, blockDuration: '1h' };
      const key = `user:${algorithm}`;
      const connection = apps[0].get(RedisRegistry).get();
      const written = async () => {
        const found: string[] = [];
        for await (const batch of scanKeys(connection, `${prefix}:ratelimit:{${key.replace(':', '%3A')}}:*`)) found.push(...batch);
        return found.sort();
      };
      const dump = async (keys: string[]) => Promise.all(keys.map(async (k) => [await connection.client.dumpBuffer(k), await connection.client.pttl(k)]));

      for (let i = 0; i < 4; i++) await limiter(i).consume(key, policy); // the 4th is refused and opens the penalty box
      const keys = await written();
      expect(keys).toEqual([...limiter().keysOf(key, policy)].sort());
      expect(keys.length).toBe(2);
      expect(new Set(keys.map((k) => calculateSlot(k))).size).toBe(1);

      const before = await dump(keys);
      const peeked = await limiter(1).peek(key, policy);
      expect(peeked).toMatchObject({ allowed: false, remaining: 0 });
      expect(await written()).toEqual(keys);
      const after = await dump(keys);
      expect(after.map(([value]) => value)).toEqual(before.map(([value]) => value));

      await limiter(2).reset(key, policy);
      expect(await written()).toEqual([]);
      expect(await limiter(3).peek(key, policy)).toMatchObject({ allowed: true, remaining: 2 });
    });
  });

  it('no double counting: commands in flight when the connection drops are not replayed after the reconnect', async () => {
    const policy: RateLimitPolicy = { name: 'replay', limit: LIMIT, window: WINDOW };
    const key = 'replay-key';
    for (let i = 0; i < 5; i++) expect((await limiter().consume(key, policy)).allowed).toBe(true);
    const [stateKey] = limiter().keysOf(key, policy);
    const node = await topology().nodeFor(stateKey);
    // Scripts wait unexecuted on the server while clients are paused for writes...
    await node.cli('CLIENT', 'PAUSE', '10000', 'WRITE');
    try {
      const inFlight = Array.from({ length: 3 }, () => limiter().consume(key, policy));
      await new Promise((r) => setTimeout(r, 200));
      // ...then their connection drops: Redis discards them, the caller gets the failure policy.
      const list = await node.cli('CLIENT', 'LIST');
      const ids = list.split('\n').filter((l) => l.includes('name=rediskit:default:rate-limit')).map((l) => /id=(\d+)/.exec(l)![1]);
      expect(ids.length).toBeGreaterThan(0);
      for (const id of ids) await node.cli('CLIENT', 'KILL', 'ID', id);
      const decisions = await Promise.all(inFlight);
      expect(decisions.map((d) => d.fallback)).toEqual(['open', 'open', 'open']);
    } finally {
      await node.cli('CLIENT', 'UNPAUSE');
    }
    await waitFor(async () => (await limiter().peek(key, policy)).fallback === undefined, 10_000, 'the limiter to reconnect');
    await new Promise((r) => setTimeout(r, 300));
    // Only the 5 decisions Redis made count; the 3 in flight were neither executed nor resent
    // (a peek answers what a 6th consume would leave).
    expect((await limiter().peek(key, policy)).remaining).toBe(LIMIT - 6);
  });

  it('sliding-window-log: a sorted-set log written by an earlier version is taken over with its entries', async () => {
    const policy: RateLimitPolicy = { name: 'legacy-log', limit: 5, window: WINDOW, algorithm: 'sliding-window-log' };
    const key = 'legacy-log-key';
    const [stateKey] = limiter().keysOf(key, policy);
    const node = await topology().nodeFor(stateKey);
    const [seconds, micros] = (await node.cli('TIME')).split('\n');
    const nowMs = Number(seconds) * 1000 + Number(micros) / 1000;
    // Three units admitted by the old script (score = Redis ms, member "ms:n"), one already out of the window.
    for (const [i, at] of [nowMs - DAY_MS - 1000, nowMs - 2000, nowMs - 1000].entries()) await node.cli('ZADD', stateKey, String(at), `${at.toFixed(3)}:${i + 1}`);
    await node.cli('PEXPIRE', stateKey, String(DAY_MS));
    expect(await limiter(1).peek(key, policy)).toMatchObject({ allowed: true, remaining: 2 });
    const decisions = await Promise.all(Array.from({ length: 4 }, (_, i) => limiter(i).consume(key, policy)));
    expect(decisions.map((d) => d.allowed).sort()).toEqual([false, true, true, true]);
    expect(await node.cli('TYPE', stateKey)).toBe('list');
  });

  it('RediskitThrottlerStorage counts across instances: ttl and blockDuration in ms, seconds out', async () => {
    const storages = apps.map((a) => a.get(RediskitThrottlerStorage));
    const records = [];
    for (let i = 0; i < 5; i++) records.push(await storages[i % 4].increment('tracker-1', 60_000, 3, 30_000, 'default'));
    expect(records.map((r) => r.totalHits)).toEqual([1, 2, 3, 4, 4]);
    expect(records.map((r) => r.isBlocked)).toEqual([false, false, false, true, true]);
    expect(records[0].timeToExpire).toBe(60);
    expect(records[3].timeToBlockExpire).toBe(30);
    expect(records[4].timeToBlockExpire).toBeLessThanOrEqual(30);
  });
}
