import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Injectable, type INestApplication } from '@nestjs/common';
import {
  Keyspace,
  LockLostError,
  LockNotAcquiredError,
  LockPresets,
  LockService,
  MetricsService,
  RedisRegistry,
  RediskitArgumentError,
  RediskitConfigError,
  WithLock,
} from 'nestjs-rediskit';
import { RedisServer } from '../harness/index.js';
import { lockBehaviour } from './lock-behaviour.js';
import { lockHandOffBehaviour } from './lock-handoff-behaviour.js';
import { bootApp, sleep } from './lock-fixtures.js';

@Injectable()
class Billing {
  readonly calls: string[] = [];
  constructor(readonly locks: LockService) {}

  @WithLock({ key: 'invoice:{0}', ttl: 2000 })
  async pay(invoiceId: string, hold = 0): Promise<number> {
    this.calls.push(`pay:${invoiceId}`);
    await sleep(hold);
    return this.locks.current()!.lock.fencingToken;
  }

  @WithLock({ key: 'customer:{0.customer.id}', wait: '3s', ttl: 2000 })
  async refund(order: { customer: { id?: number } }, hold = 0): Promise<string> {
    this.calls.push(`refund:${order.customer.id}`);
    await sleep(hold);
    return 'refunded';
  }

  @WithLock({ key: (a: number, b: number) => `pair:${Math.min(a, b)}:${Math.max(a, b)}` })
  async transfer(a: number, b: number): Promise<string> {
    return this.locks.current()!.lock.resource;
  }
}

describe('LockService on a standalone server', () => {
  let server: RedisServer;
  let apps: [INestApplication, INestApplication];

  beforeAll(async () => {
    server = await RedisServer.start();
    const options = { connection: { url: server.url }, keyspace: { prefix: 'lt' } };
    apps = [await bootApp(options, [Billing]), await bootApp(options, [Billing])];
  });
  afterAll(async () => {
    await Promise.all((apps ?? []).map((app) => app?.close()));
    await server?.stop();
  });

  lockBehaviour(() => apps);
  lockHandOffBehaviour(() => apps);

  it('acquires in one round trip: one EVALSHA that reads the time, sets the key and increments the fence', async () => {
    const locks = apps[0].get(LockService);
    await (await locks.acquire('one-trip')).release(); // loads the scripts
    await server.cli('CONFIG', 'RESETSTAT');
    const lock = await locks.acquire('one-trip', LockPresets.QUICK);
    const stats = await server.cli('INFO', 'commandstats');
    const calls = Object.fromEntries([...stats.matchAll(/cmdstat_(\w+):calls=(\d+)/g)].map((m) => [m[1], Number(m[2])]));
    expect(calls.evalsha).toBe(1);
    // (auth: redis-cli's own login: this suite runs as the ACL user, test/harness/acl-suites.ts)
    expect(Object.keys(calls).filter((c) => !['evalsha', 'time', 'set', 'incr', 'info', 'config', 'auth'].includes(c))).toEqual([]);
    expect(lock.expiresAt).toBeLessThanOrEqual(Date.now() + 5000);
    await lock.release();
  });

  it('rejects bad input with typed errors naming the argument', async () => {
    const locks = apps[0].get(LockService);
    const argument = async (p: Promise<unknown>) => ((await p.catch((e: unknown) => e)) as RediskitArgumentError).argument;
    await expect(locks.acquire('')).rejects.toBeInstanceOf(RediskitArgumentError);
    expect(await argument(locks.acquire(''))).toBe('resource');
    expect(await argument(locks.tryAcquire(undefined as never))).toBe('resource');
    expect(await argument(locks.acquire('x', { ttl: 0 }))).toBe('ttl');
    expect(await argument(locks.acquire('x', { ttl: -5 }))).toBe('ttl');
    expect(await argument(locks.acquire('x', { ttl: 'soon' }))).toBe('ttl');
    expect(await argument(locks.acquire('x', { retry: { attempts: -1 } }))).toBe('retry.attempts');
    expect(await argument(locks.acquire('x', { retry: { attempts: 1.5 } }))).toBe('retry.attempts');
    expect(await argument(locks.withLock('x', () => 1, { retry: { delay: -1 } }))).toBe('retry.delay');
    expect(await argument(locks.isLocked(''))).toBe('resource');
    expect(await argument(locks.forceRelease(''))).toBe('resource');
    expect(await locks.isLocked('x')).toBe(false);
  });

  it('rejects invalid lock options at boot, listing every bad field', async () => {
    const error = await bootApp({
      connection: { url: server.url },
      lock: { defaultTtl: 'never', driftFactor: 2, retry: { attempts: -1 }, redlock: { connections: [] } },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RediskitConfigError);
    expect((error as RediskitConfigError).problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('lock.defaultTtl'),
        expect.stringContaining('lock.driftFactor'),
        expect.stringContaining('lock.retry.attempts'),
        expect.stringContaining('lock.redlock.connections'),
      ]),
    );
    await expect(bootApp({ connection: { url: server.url }, lock: { redlock: { connections: ['default', 'nope'] } } })).rejects.toThrow(/lock.redlock.connections: "nope" is not a configured connection/);
  });

  it('stops waiting when the signal is aborted, with the signal’s reason', async () => {
    const [a, b] = apps.map((app) => app.get(LockService));
    const held = await a.acquire('waiting', { ttl: 3000 });
    const stop = new AbortController();
    setTimeout(() => stop.abort(new Error('client went away')), 50);
    await expect(b.acquire('waiting', { retry: { attempts: Infinity, delay: 10 }, signal: stop.signal })).rejects.toThrow('client went away');
    await held.release();
  });

  it('withLock rethrows the routine’s own error even when the release fails, and releases in finally', async () => {
    const locks = apps[0].get(LockService);
    const breaker = apps[0].get(RedisRegistry).get().breaker;
    const failing = locks.withLock('finally', async () => {
      breaker.open(); // Redis unreachable from here on: the release will fail
      throw new Error('routine failed');
    });
    await expect(failing).rejects.toThrow('routine failed');
    breaker.close();
    // A failed release does not turn a successful routine into an error either.
    const ok = await locks.withLock('finally-ok', async () => {
      breaker.open();
      return 42;
    });
    breaker.close();
    expect(ok).toBe(42);
    await locks.forceRelease('finally');
    await locks.forceRelease('finally-ok');
    // And normally the lock is gone after withLock, whatever the routine did.
    await expect(locks.withLock('finally', () => Promise.reject(new TypeError('bad')))).rejects.toBeInstanceOf(TypeError);
    expect(await locks.isLocked('finally')).toBe(false);
  });

  it('@WithLock runs the method under the lock, throws when it cannot be taken, never runs unlocked', async () => {
    const [one, two] = apps.map((app) => app.get(Billing));
    one.calls.length = 0;
    two.calls.length = 0;
    const first = one.pay('inv-1', 300);
    await sleep(50);
    await expect(two.pay('inv-1')).rejects.toBeInstanceOf(LockNotAcquiredError);
    expect(two.calls).toEqual([]);
    expect(typeof (await first)).toBe('number');
    expect(await two.pay('inv-2')).toBeGreaterThan(0);
    expect(await apps[0].get(LockService).isLocked('invoice:inv-1')).toBe(false);

    // wait: a duration → the second call waits for the first and then runs.
    const order = { customer: { id: 9 } };
    const a = one.refund(order, 200);
    await sleep(30);
    expect(await two.refund(order)).toBe('refunded');
    await a;

    // Keys: functions of the arguments; unresolvable placeholders fail the call, not the lock.
    expect(await one.transfer(5, 3)).toBe('pair:3:5');
    await expect(one.refund({ customer: {} })).rejects.toBeInstanceOf(RediskitArgumentError);
    expect(one.calls).not.toContain('refund:undefined');
  });

  it('@WithLock rejects malformed templates, ttl and wait when the class is defined', () => {
    const define = (options: Parameters<typeof WithLock>[0]) => () => {
      class Bad {
        @WithLock(options)
        run() {}
      }
      return Bad;
    };
    expect(define({ key: 'x:{name}' })).toThrow(RediskitArgumentError);
    expect(define({ key: 'x', ttl: 0 })).toThrow(/@WithLock ttl of Bad.run/);
    expect(define({ key: 'x', wait: 'soon' })).toThrow(/@WithLock wait of Bad.run/);
  });

  it('counts acquired, contended and lost locks', async () => {
    const metrics = apps[1].get(MetricsService);
    const value = async (name: string) => Number(new RegExp(`rediskit_${name}\\{mode="single"\\} (\\d+)`).exec(await metrics.text())?.[1] ?? 0);
    const before = { acquired: await value('lock_acquired_total'), contended: await value('lock_contended_total'), lost: await value('lock_lost_total') };
    const locks = apps[1].get(LockService);
    const lock = await locks.acquire('metered', { ttl: 50 });
    expect(await locks.tryAcquire('metered')).toBeNull();
    await sleep(100);
    expect(await lock.release()).toBe(false);
    expect(await value('lock_acquired_total')).toBe(before.acquired + 1);
    expect(await value('lock_contended_total')).toBe(before.contended + 1);
    expect(await value('lock_lost_total')).toBe(before.lost + 1);
  });

  it('fails closed when Redis is paused: the signal aborts before the lease ends; acquire throws', async () => {
    const paused = await RedisServer.start();
    const app = await bootApp({ connection: { url: paused.url, commandTimeout: 500, maxRetriesPerRequest: 0 }, circuitBreaker: { failureThreshold: 1 } });
    try {
      const locks = app.get(LockService);
      let reason: unknown;
      let remainingAtAbort = -1;
      const outcome = locks
        .withLock(
          'paused',
          (signal, lock) =>
            new Promise((_, reject) => {
              signal.addEventListener('abort', () => {
                reason = signal.reason;
                remainingAtAbort = lock.remainingMs;
                reject(signal.reason);
              });
              paused.pause(); // extensions now hang
            }),
          { ttl: 1000 },
        )
        .catch((e: unknown) => e);
      expect(await outcome).toBeInstanceOf(LockLostError);
      expect(reason).toBe(await outcome);
      expect(remainingAtAbort).toBeGreaterThan(0);
      // While Redis does not answer, a lock is never reported as taken.
      await expect(locks.acquire('while-paused', { ttl: 1000 })).rejects.toBeInstanceOf(Error);
    } finally {
      paused.resume();
      await app.close();
      await paused.stop();
    }
  });
});
