import { expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { Keyspace, LockLostError, LockNotAcquiredError, LockService, RedisRegistry } from 'nestjs-rediskit';
import { runMutualExclusion, sleep, strictlyIncreasing } from './lock-fixtures.js';

/** Properties every single-connection topology must have; registered by the standalone and cluster files. */
export function lockBehaviour(apps: () => [INestApplication, INestApplication]): void {
  const redis = () => apps()[0].get(RedisRegistry).get().client;
  const lockKey = (resource: string) => apps()[0].get(Keyspace).slotted('lock', resource);

  it('issues fencing tokens that strictly increase across holders and instances, from a counter without TTL', async () => {
    const [a, b] = apps().map((app) => app.get(LockService));
    const tokens: number[] = [];
    for (let i = 0; i < 6; i++) {
      const lock = await (i % 2 ? a : b).acquire('fence:order:7', { ttl: 1000 });
      tokens.push(lock.fencingToken);
      expect(await lock.release()).toBe(true);
    }
    expect(strictlyIncreasing(tokens)).toBe(true);
    const fenceKey = apps()[0].get(Keyspace).slotted('lock', 'fence:order:7', 'fence');
    expect(await redis().pttl(fenceKey)).toBe(-1);
    // An operator's forceRelease keeps the counter: tokens keep increasing.
    const held = await a.acquire('fence:order:7', { ttl: 1000 });
    expect(await b.forceRelease('fence:order:7')).toBe(true);
    const next = await b.acquire('fence:order:7', { ttl: 1000 });
    expect(next.fencingToken).toBeGreaterThan(held.fencingToken);
    expect(await held.release()).toBe(false);
    expect(await next.release()).toBe(true);
  });

  it('calls made in the same tick share one script call per slot, and each gets its own answer', async () => {
    const [a, b] = apps().map((app) => app.get(LockService));
    const resources = Array.from({ length: 40 }, (_, i) => `batch:${i}`);
    // Every resource asked for twice in one tick, from both instances: exactly one of each pair wins.
    const results = await Promise.all(resources.flatMap((r) => [a.tryAcquire(r, { ttl: 2000 }), b.tryAcquire(r, { ttl: 2000 })]));
    const winners = results.filter((l) => l !== null);
    expect(winners.map((l) => l!.resource).sort()).toEqual([...resources].sort());
    for (const lock of winners) expect(await redis().get(lockKey(lock!.resource))).toBe(lock!.token);
    const released = await Promise.all(winners.map((l) => l!.release()));
    expect(released.every(Boolean)).toBe(true);
    expect(await Promise.all(resources.map((r) => a.isLocked(r)))).toEqual(resources.map(() => false));
  });

  it('tryAcquire returns null and acquire throws LockNotAcquiredError while another holder has it', async () => {
    const [a, b] = apps().map((app) => app.get(LockService));
    const lock = await a.acquire('busy', { ttl: 2000 });
    expect(await b.isLocked('busy')).toBe(true);
    expect(await b.tryAcquire('busy')).toBeNull();
    const error = await b.acquire('busy', { retry: { attempts: 2, delay: 5, jitter: 0 } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockNotAcquiredError);
    expect((error as LockNotAcquiredError).tries).toBe(3);
    await lock.release();
    expect(await b.isLocked('busy')).toBe(false);
  });

  it('only the owner releases or extends: after A expired and B acquired, A learns it lost and B stays intact', async () => {
    const [a, b] = apps().map((app) => app.get(LockService));
    const stale = await a.acquire('handover', { ttl: 60 });
    await sleep(120);
    const fresh = await b.acquire('handover', { ttl: 5000 });
    expect(fresh.fencingToken).toBeGreaterThan(stale.fencingToken);
    expect(await stale.release()).toBe(false);
    await expect(stale.extend(5000)).rejects.toBeInstanceOf(LockLostError);
    expect(await redis().get(lockKey('handover'))).toBe(fresh.token);
    await fresh.extend(5000);
    expect(await redis().pttl(lockKey('handover'))).toBeGreaterThan(4000);
    expect(await fresh.release()).toBe(true);
    expect(await redis().exists(lockKey('handover'))).toBe(0);
  });

  it('withLock extends the lease through a job 5× the TTL; nobody else gets the lock meanwhile', async () => {
    const [a, b] = apps().map((app) => app.get(LockService));
    const ttl = 200;
    let aborted = false;
    let intruders = 0;
    let firstExpiry = 0;
    let lastExpiry = 0;
    const result = await a.withLock(
      'long-job',
      async (signal, lock) => {
        firstExpiry = lock.expiresAt;
        signal.addEventListener('abort', () => (aborted = true));
        const end = Date.now() + ttl * 5;
        while (Date.now() < end) {
          if (await b.tryAcquire('long-job', { ttl })) intruders++;
          await sleep(ttl / 4);
        }
        lastExpiry = lock.expiresAt;
        return 'done';
      },
      { ttl },
    );
    expect(result).toBe('done');
    expect(aborted).toBe(false);
    expect(intruders).toBe(0);
    expect(lastExpiry).toBeGreaterThan(firstExpiry + ttl * 3);
    expect(await a.isLocked('long-job')).toBe(false);
  });

  it('a lost lock aborts the signal with LockLostError before the local lease ends, and withLock throws it', async () => {
    const [a, b] = apps().map((app) => app.get(LockService));
    let reason: unknown;
    let remainingAtAbort = 0;
    const outcome = await a
      .withLock(
        'stolen',
        async (signal, lock) => {
          await b.forceRelease('stolen'); // an operator (or a Redis failover) removes the key
          await new Promise<void>((resolve) =>
            signal.addEventListener('abort', () => {
              reason = signal.reason;
              remainingAtAbort = lock.remainingMs;
              resolve();
            }),
          );
          signal.throwIfAborted();
        },
        { ttl: 400 },
      )
      .catch((e: unknown) => e);
    expect(reason).toBeInstanceOf(LockLostError);
    expect(outcome).toBe(reason);
    expect(remainingAtAbort).toBeGreaterThan(0);
  });

  it('mutual-exclusion checker: 20 workers in 2 app instances, 500 acquisitions, zero accepted overlaps', async () => {
    const result = await runMutualExclusion(apps(), { resource: 'checker', total: 500, workers: 20, ttl: 60 });
    expect(result.acquisitions).toBe(500);
    expect(result.resource.acceptedOverlaps()).toBe(0);
    expect(result.resource.leaseOverlaps()).toBe(0);
    expect(new Set(result.tokens).size).toBe(500);
    expect(strictlyIncreasing(result.tokens)).toBe(true);
    // Holders that outlived their lease existed, and the fence stopped them.
    expect(result.resource.rejected).toBeGreaterThan(0);
  });
}
