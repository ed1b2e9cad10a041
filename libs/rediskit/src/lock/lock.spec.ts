import { LockLostError } from '../errors.js';
import { describe, expect, it, jest } from '@jest/globals';
import { Lock, type LockIssuer } from './lock.js';

const lease = (ms: number) => ({ deadline: performance.now() + ms, expiresAt: Date.now() + ms });

describe('Lock', () => {
  it('release asks Redis once and returns the first answer to every caller', async () => {
    const release = jest.fn(async () => true);
    const lock = new Lock({ renew: jest.fn(), release, lost: jest.fn() } as unknown as LockIssuer, 'r', 't', 3, 1000, lease(1000));
    expect(await Promise.all([lock.release(), lock.release()])).toEqual([true, true]);
    expect(release).toHaveBeenCalledTimes(1);
    await expect(lock.extend()).rejects.toBeInstanceOf(LockLostError);
    expect(lock.isHeld).toBe(false);
  });

  it('reports a lost lock once: a refused extension, then a release that finds it gone', async () => {
    const lost = jest.fn();
    const issuer = {
      renew: async (l: Lock) => {
        throw new LockLostError(l.resource, 'taken');
      },
      release: async () => false,
      lost,
    } as unknown as LockIssuer;
    const lock = new Lock(issuer, 'r', 't', 3, 1000, lease(1000));
    await expect(lock.extend()).rejects.toBeInstanceOf(LockLostError);
    expect(lock.lostReason?.message).toMatch(/taken/);
    expect(await lock.release()).toBe(false);
    expect(lost).toHaveBeenCalledTimes(1);
  });

  it('a failed release can be tried again', async () => {
    let first = true;
    const issuer = {
      renew: jest.fn(),
      release: async () => {
        if (first) {
          first = false;
          throw new Error('ECONNRESET');
        }
        return true;
      },
      lost: jest.fn(),
    } as unknown as LockIssuer;
    const lock = new Lock(issuer, 'r', 't', 3, 1000, lease(1000));
    await expect(lock.release()).rejects.toThrow('ECONNRESET');
    expect(await lock.release()).toBe(true);
  });

  it('keeps the later lease when extensions overlap', async () => {
    const leases = [lease(5000), lease(1000)];
    const issuer = { renew: async () => leases.shift()!, release: async () => true, lost: jest.fn() } as unknown as LockIssuer;
    const lock = new Lock(issuer, 'r', 't', 3, 1000, lease(100));
    await Promise.all([lock.extend(), lock.extend()]);
    expect(lock.remainingMs).toBeGreaterThan(4000);
  });
});
