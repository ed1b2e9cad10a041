import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { RediskitCircuitOpenError, RediskitError, type RedisConnectionOptions } from 'nestjs-rediskit';
import { waitFor } from '../harness/index.js';
import { rediskitErrorOf, settled, startFaultApp, type FaultApp } from './fault-app.js';

/** What a topology's fixture does to its servers. */
export interface Faults {
  connection(): RedisConnectionOptions;
  /** SIGSTOP every server: connections stay open, nothing answers. */
  hang(): void;
  wake(): void | Promise<void>;
  /** SIGKILL every server (a crash). */
  crash(): Promise<void>;
  /** Starts the crashed servers again, empty (no persistence). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const policy = { name: 'faults', limit: 10, window: '1h' };

/**
 * Fault behaviours every topology must show (issue: "nothing waits, nothing counts twice,
 * recovery in a second"): calls settle within their budget whatever Redis does, side effects
 * never happen late, the breaker recovers by itself, fences survive data loss. No timing
 * thresholds: a call that does not settle fails the liveness check in `settled`.
 */
export function faultBehaviour(start: () => Promise<Faults>): void {
  let faults: Faults;
  let app: FaultApp;
  const breaker = () => app.registry.get().breaker;
  // Redis answers again and the breaker let it be known (closed, through its own probe).
  const answering = () => waitFor(async () => breaker().state === 'closed' && (await app.limiter.peek('probe', policy)).fallback === undefined, 20_000, 'Redis-backed decisions again');

  // Message 1 failed while Redis was away: the subscriber is back once message 2 arrives, and 1 never does.
  const onlyTheLaterMessageArrives = async (channel: string, received: number[]) => {
    await waitFor(
      async () => {
        await app.pubsub.publish(channel, { n: 2 }).catch(() => undefined);
        return received.includes(2);
      },
      20_000,
      'the subscriber to receive again',
      100,
    );
    expect(received).not.toContain(1);
  };

  beforeAll(async () => {
    faults = await start();
    app = await startFaultApp(faults.connection());
  }, 120_000);
  afterAll(async () => {
    await faults?.wake();
    await app?.close();
    await faults?.stop();
  });

  it('while Redis hangs, every capability settles within its budget: a RediskitError or its failure policy', async () => {
    const { token } = await app.sessions.create('hang-user');
    faults.hang();
    try {
      const [get, getOrSet, decision] = await Promise.all([
        settled(app.cache.get('hang:k')),
        settled(app.cache.getOrSet('hang:g', () => 'loaded')),
        settled(app.limiter.consume('hang', policy)),
      ]);
      expect(get).toEqual({ value: undefined }); // a miss: Redis trouble never reaches a cache read
      expect(getOrSet).toEqual({ value: 'loaded' });
      expect(decision.value).toMatchObject({ allowed: true, fallback: 'open' });
      for (const call of [
        app.sessions.get(token),
        app.sessions.create('hang-user-2'),
        app.locks.acquire('hang-resource'),
        app.pubsub.publish('faults', { n: 1 }),
        app.pubsub.notifyUser('hang-user', 'note', { n: 1 }),
      ]) {
        expect(await rediskitErrorOf(call)).toBeInstanceOf(RediskitError);
      }
    } finally {
      await faults.wake();
    }
    await answering();
  });

  it('nothing decided while Redis hung happens when it wakes: no quota consumed, no lock, no session, no inbox entry, no message', async () => {
    const received: number[] = [];
    await app.pubsub.subscribe<{ n: number }>('faults-hung', (m) => void received.push(m.data.n));
    await app.limiter.reset('late', policy);
    expect((await app.limiter.consume('late', policy)).remaining).toBe(9);
    faults.hang();
    try {
      for (let i = 0; i < 5; i++) expect((await settled(app.limiter.consume('late', policy))).value).toMatchObject({ fallback: 'open' });
      // Commands already on the socket reach Redis when it wakes: each carries its deadline.
      await rediskitErrorOf(app.locks.acquire('late-resource', { ttl: '1h' }));
      await rediskitErrorOf(app.sessions.create('late-user'));
      await rediskitErrorOf(app.pubsub.notifyUser('late-user', 'note', { n: 1 }));
      await rediskitErrorOf(app.pubsub.publish('faults-hung', { n: 1 }));
    } finally {
      await faults.wake();
    }
    await answering();
    expect((await app.limiter.consume('late', policy)).remaining).toBe(8);
    expect(await app.locks.isLocked('late-resource')).toBe(false);
    expect(await app.sessions.listForUser('late-user')).toEqual([]);
    expect(await app.pubsub.inbox('late-user').fetch()).toEqual([]);
    await onlyTheLaterMessageArrives('faults-hung', received);
  });

  it('Redis down: once the breaker opens calls fail at once without Redis, and it closes by itself when Redis is back', async () => {
    await faults.crash();
    for (let i = 0; i < 5; i++) await settled(app.cache.getOrSet(`down:${i}`, () => i));
    expect(['open', 'half-open']).toContain(breaker().state);
    const error = await rediskitErrorOf(app.sessions.create('down-user'));
    expect(error).toBeInstanceOf(RediskitCircuitOpenError);
    expect(await settled(app.limiter.consume('down', policy))).toMatchObject({ value: { fallback: 'open' } });
    await faults.restart();
    // No call is made meanwhile: the breaker's own probe notices that Redis answers.
    await waitFor(() => breaker().state === 'closed', 20_000, 'the breaker to close by itself');
    await answering();
    expect((await app.sessions.create('back-user')).token).toBeTruthy();
  });

  it('a publish that failed while Redis was down is not delivered once it is back', async () => {
    const received: number[] = [];
    await app.pubsub.subscribe<{ n: number }>('faults-late', (m) => void received.push(m.data.n));
    await faults.crash();
    expect(await rediskitErrorOf(app.pubsub.publish('faults-late', { n: 1 }))).toBeInstanceOf(RediskitError);
    await faults.restart();
    await answering();
    await onlyTheLaterMessageArrives('faults-late', received);
  });

  it('fencing tokens stay above every earlier token after Redis restarts empty', async () => {
    let highest = 0;
    for (let i = 0; i < 3; i++) {
      const lock = await app.locks.acquire('fenced');
      highest = Math.max(highest, Number(lock.fencingToken));
      await lock.release();
    }
    await faults.crash();
    await faults.restart();
    await answering();
    // The topology may still settle (a restarted Sentinel master rejoining as a replica): the
    // property is the token, so try until a lock is granted.
    let lock: Awaited<ReturnType<FaultApp['locks']['acquire']>> | undefined;
    await waitFor(async () => !!(lock = await app.locks.acquire('fenced').catch(() => undefined)), 20_000, 'a lock after the restart', 100);
    expect(Number(lock!.fencingToken)).toBeGreaterThan(highest);
    await lock!.release();
  });
}
