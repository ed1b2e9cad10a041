import { expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { LockService, type Lock } from 'nestjs-rediskit';
import { sleep, strictlyIncreasing } from './lock-fixtures.js';

// Waiters pause this long between tries, far longer than any test here may take: a waiter that
// gets the lock did so because the release woke it, not because it polled.
const NEVER_POLLS = { attempts: Infinity, delay: '10m', jitter: 0 } as const;
const LONG_TTL = 120_000;

/** `promise`'s value, or 'still waiting' after `ms` (a liveness bound, far below the retry pause). */
async function within<T>(promise: Promise<T>, ms = 20_000): Promise<T | 'still waiting'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'still waiting'>((resolve) => (timer = setTimeout(resolve, ms, 'still waiting')));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Hand-off to queued waiters on release; registered by the standalone and cluster files. */
export function lockHandOffBehaviour(apps: () => [INestApplication, INestApplication]): void {
  it('a waiter whose retry pause is 10 minutes gets the lock as soon as it is released', async () => {
    const [a, b] = apps().map((app) => app.get(LockService));
    const held = await a.acquire('handoff:wake', { ttl: LONG_TTL });
    const waiting = b.acquire('handoff:wake', { ttl: 5000, retry: NEVER_POLLS });
    await sleep(300); // b tried, queued and now pauses
    expect(await held.release()).toBe(true);
    const next = await within(waiting);
    expect(next).not.toBe('still waiting');
    expect((next as Lock).fencingToken).toBeGreaterThan(held.fencingToken);
    expect(await (next as Lock).release()).toBe(true);
    expect(await a.isLocked('handoff:wake')).toBe(false);
  });

  it('waiters get the lock in the order they asked for it (FIFO), across instances, with increasing fencing tokens', async () => {
    const [a, b] = apps().map((app) => app.get(LockService));
    const held = await a.acquire('handoff:fifo', { ttl: LONG_TTL });
    const order: string[] = [];
    const tokens: number[] = [held.fencingToken];
    const waiter = async (name: string, locks: LockService) => {
      const lock = await locks.acquire('handoff:fifo', { ttl: 5000, retry: NEVER_POLLS });
      order.push(name);
      tokens.push(lock.fencingToken);
      await sleep(20);
      await lock.release();
    };
    const waiters: Promise<void>[] = [];
    for (const [i, locks] of [b, a, b, a].entries()) {
      waiters.push(waiter(`w${i}`, locks));
      await sleep(150); // each has queued before the next asks
    }
    await held.release();
    expect(await within(Promise.all(waiters))).not.toBe('still waiting');
    expect(order).toEqual(['w0', 'w1', 'w2', 'w3']);
    expect(strictlyIncreasing(tokens)).toBe(true);
  });

  it('a queued waiter that gives up leaves the queue: the next one gets the lock at the release', async () => {
    const [a, b] = apps().map((app) => app.get(LockService));
    const held = await a.acquire('handoff:abort', { ttl: LONG_TTL });
    const stop = new AbortController();
    const first = b.acquire('handoff:abort', { retry: NEVER_POLLS, signal: stop.signal }).catch((e: unknown) => e);
    await sleep(150);
    const second = a.acquire('handoff:abort', { ttl: 5000, retry: NEVER_POLLS });
    await sleep(150);
    stop.abort(new Error('caller left'));
    expect(((await first) as Error).message).toBe('caller left');
    expect(await b.tryAcquire('handoff:abort')).toBeNull();
    await held.release();
    const next = await within(second);
    expect(next).not.toBe('still waiting');
    expect(await (next as Lock).release()).toBe(true);
  });
}
