import { LockLostError } from '../errors.js';
import { describe, expect, it } from '@jest/globals';
import { LeaseKeeper } from './lease-keeper.js';
import { Lock, type Lease, type LockIssuer } from './lock.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const leaseOf = (ms: number): Lease => ({ deadline: performance.now() + ms, expiresAt: Date.now() + ms });

/** A fake issuer whose extension outcome the test decides. */
function issuer(renew: () => Promise<'ok' | 'lost'>): LockIssuer & { renewals: number; lostErrors: LockLostError[] } {
  const self = {
    renewals: 0,
    lostErrors: [] as LockLostError[],
    async renew(lock: Lock) {
      self.renewals++;
      if ((await renew()) === 'lost') throw new LockLostError(lock.resource, 'taken');
      return leaseOf(lock.ttl);
    },
    release: async () => true,
    lost: (_lock: Lock, error: LockLostError) => void self.lostErrors.push(error),
  };
  return self;
}

function keep(fake: LockIssuer, ttl: number, autoExtend = true) {
  const lock = new Lock(fake, 'r', 't', 1, ttl, leaseOf(ttl));
  const controller = new AbortController();
  const keeper = new LeaseKeeper(lock, controller, autoExtend);
  keeper.start();
  return { lock, controller, keeper };
}

describe('LeaseKeeper', () => {
  it('extends at half the ttl and keeps the lease alive', async () => {
    const fake = issuer(async () => 'ok');
    const { lock, controller, keeper } = keep(fake, 100);
    await sleep(400);
    keeper.stop();
    expect(fake.renewals).toBeGreaterThanOrEqual(4);
    expect(controller.signal.aborted).toBe(false);
    expect(lock.remainingMs).toBeGreaterThan(0);
  });

  it('aborts at once with LockLostError when Redis refuses the extension', async () => {
    const fake = issuer(async () => 'lost');
    const { controller, lock } = keep(fake, 100);
    await new Promise((r) => controller.signal.addEventListener('abort', r));
    expect(controller.signal.reason).toBeInstanceOf(LockLostError);
    expect(lock.remainingMs).toBeGreaterThan(0); // found out at the extension, long before the end
    expect(fake.lostErrors).toHaveLength(1);
  });

  it('aborts before the local lease ends when extensions hang or fail', async () => {
    for (const outcome of [() => new Promise<'ok'>(() => undefined), () => Promise.reject(new Error('ECONNRESET'))]) {
      const { controller, lock } = keep(issuer(outcome), 200);
      let remaining = -1;
      await new Promise<void>((r) =>
        controller.signal.addEventListener('abort', () => {
          remaining = lock.remainingMs;
          r();
        }),
      );
      expect(controller.signal.reason).toBeInstanceOf(LockLostError);
      expect(remaining).toBeGreaterThan(0);
      expect(lock.isHeld).toBe(false);
    }
  });

  it('retries a failed extension and carries on when one succeeds', async () => {
    let calls = 0;
    const fake = issuer(async () => (++calls === 1 ? Promise.reject(new Error('blip')) : 'ok'));
    const { controller, keeper } = keep(fake, 200);
    await sleep(500);
    keeper.stop();
    expect(calls).toBeGreaterThanOrEqual(3);
    expect(controller.signal.aborted).toBe(false);
  });

  it('without auto-extension, aborts shortly before the lease ends', async () => {
    const fake = issuer(async () => 'ok');
    const { controller, lock } = keep(fake, 100, false);
    await new Promise((r) => controller.signal.addEventListener('abort', r));
    expect(fake.renewals).toBe(0);
    expect(lock.remainingMs).toBeGreaterThan(-50);
  });

  it('stops quietly when the routine releases the lock itself', async () => {
    const fake = issuer(async () => 'ok');
    const { controller, lock } = keep(fake, 60);
    await lock.release();
    await sleep(150);
    expect(controller.signal.aborted).toBe(false);
    expect(fake.lostErrors).toHaveLength(0);
  });
});
