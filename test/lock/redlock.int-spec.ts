import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { Keyspace, LockLostError, LockService, RedisRegistry, RediskitConnectionError, type RedisModuleOptions } from 'nestjs-rediskit';
import { RedisServer, waitFor } from '../harness/index.js';
import { bootApp, runMutualExclusion, sleep, strictlyIncreasing } from './lock-fixtures.js';

const NAMES = ['default', 'r1', 'r2'];

describe('Redlock mode: a majority of three independent servers', () => {
  let servers: RedisServer[];
  let apps: [INestApplication, INestApplication];

  beforeAll(async () => {
    servers = await Promise.all([RedisServer.start(), RedisServer.start(), RedisServer.start()]);
    const tuning = { commandTimeout: 500, maxRetriesPerRequest: 0, reconnect: { baseDelay: 20, maxDelay: 100 } };
    const options: RedisModuleOptions = {
      connection: { url: servers[0].url, ...tuning },
      connections: { r1: { url: servers[1].url, ...tuning }, r2: { url: servers[2].url, ...tuning } },
      circuitBreaker: false,
      keyspace: { prefix: 'rl' },
      lock: { redlock: { connections: NAMES } },
    };
    apps = [await bootApp(options), await bootApp(options)];
  });
  afterAll(async () => {
    servers?.forEach((s) => s.resume());
    await Promise.all((apps ?? []).map((app) => app?.close()));
    await Promise.all((servers ?? []).map((s) => s.stop()));
  });

  const locks = (i = 0) => apps[i].get(LockService);
  const key = (resource: string) => apps[0].get(Keyspace).slotted('lock', resource);
  const allReady = () => waitFor(() => apps.every((app) => NAMES.every((n) => app.get(RedisRegistry).get(n).isReady)), 10_000, 'every redlock connection ready');
  async function restart(...indexes: number[]) {
    await Promise.all(indexes.map((i) => servers[i].restart()));
    await allReady();
  }

  it('locks on every server, with fencing tokens that increase across holders', async () => {
    expect(locks().mode).toBe('redlock');
    const tokens: number[] = [];
    for (let i = 0; i < 4; i++) {
      const lock = await locks(i % 2).acquire('order:1', { ttl: 2000 });
      tokens.push(lock.fencingToken);
      // acquire() returns once a majority granted; the last server's vote may land later or not at all.
      const holders = await Promise.all(servers.map((s) => s.cli('GET', key('order:1'))));
      expect(holders.filter((t) => t === lock.token).length).toBeGreaterThanOrEqual(2);
      expect(await locks(1 - (i % 2)).tryAcquire('order:1')).toBeNull();
      expect(await lock.release()).toBe(true);
    }
    expect(strictlyIncreasing(tokens)).toBe(true);
  });

  it('with one of three servers down it still acquires, extends and releases', async () => {
    await servers[2].kill();
    try {
      await waitFor(() => !apps[0].get(RedisRegistry).get('r2').isReady, 5000, 'r2 seen down');
      const lock = await locks().acquire('one-down', { ttl: 2000 });
      expect(await locks(1).isLocked('one-down')).toBe(true);
      await lock.extend(3000);
      expect(await lock.release()).toBe(true);
    } finally {
      await restart(2);
    }
  });

  it('with two of three servers down it fails: no lock is reported without a majority', async () => {
    await Promise.all([servers[1].kill(), servers[2].kill()]);
    try {
      await waitFor(() => !apps[0].get(RedisRegistry).get('r1').isReady && !apps[0].get(RedisRegistry).get('r2').isReady, 5000, 'r1, r2 seen down');
      await expect(locks().acquire('two-down', { ttl: 2000 })).rejects.toBeInstanceOf(RediskitConnectionError);
      await expect(locks().tryAcquire('two-down', { ttl: 2000 })).rejects.toBeInstanceOf(RediskitConnectionError);
      // The one server that answered keeps no grant behind.
      await sleep(20);
      expect(await servers[0].cli('EXISTS', key('two-down'))).toBe('0');
    } finally {
      await restart(1, 2);
    }
  });

  it('a hung server (SIGSTOP) does not hold up acquisition: the vote settles at the majority', async () => {
    servers[1].pause();
    try {
      const lock = await locks().acquire('one-hung', { ttl: 1000 });
      expect(lock.remainingMs).toBeGreaterThan(0);
      expect(await lock.release()).toBe(true);
    } finally {
      servers[1].resume();
      await allReady();
    }
  });

  it('fencing tokens keep increasing when the majority changes and servers restart empty', async () => {
    const tokens: number[] = [];
    const take = async () => {
      const lock = await locks().acquire('shifting', { ttl: 2000 });
      tokens.push(lock.fencingToken);
      await lock.release();
    };
    await take();
    await take(); // every counter at 2
    await restart(1); // r1 comes back empty: counters 2, 0, 2
    await servers[2].kill();
    await take(); // majority {default, r1}: counters 3 and 1 → token 3, r1 raised to 3
    await restart(2); // counters 3, 3, 0
    await servers[0].kill();
    await take(); // majority {r1, r2}: without the raise this would be max(2, 1) = 2
    await restart(0);
    await take();
    expect(strictlyIncreasing(tokens)).toBe(true);
  });

  it('only the owner releases or extends after its lease expired; the new holder stays intact', async () => {
    const stale = await locks(0).acquire('handover', { ttl: 80 });
    await sleep(150);
    const fresh = await locks(1).acquire('handover', { ttl: 5000 });
    expect(fresh.fencingToken).toBeGreaterThan(stale.fencingToken);
    expect(await stale.release()).toBe(false);
    await expect(stale.extend()).rejects.toBeInstanceOf(LockLostError);
    expect(await Promise.all(servers.map((s) => s.cli('GET', key('handover'))))).toEqual([fresh.token, fresh.token, fresh.token]);
    expect(await fresh.release()).toBe(true);
  });

  it('withLock extends through a job 5× the TTL and aborts when the lock is taken away', async () => {
    let aborted = false;
    await locks().withLock('long', async (signal) => {
      signal.addEventListener('abort', () => (aborted = true));
      await sleep(1000);
    }, { ttl: 200 });
    expect(aborted).toBe(false);
    const outcome = await locks()
      .withLock('long', async (signal) => {
        await locks(1).forceRelease('long');
        await new Promise((r) => signal.addEventListener('abort', r));
        signal.throwIfAborted();
      }, { ttl: 300 })
      .catch((e: unknown) => e);
    expect(outcome).toBeInstanceOf(LockLostError);
  });

  it('mutual-exclusion checker in Redlock mode: zero accepted overlaps', async () => {
    const result = await runMutualExclusion(apps, { resource: 'checker', total: 200, workers: 10, ttl: 80 });
    expect(result.acquisitions).toBe(200);
    expect(result.resource.acceptedOverlaps()).toBe(0);
    expect(result.resource.leaseOverlaps()).toBe(0);
    expect(strictlyIncreasing(result.tokens)).toBe(true);
  });
});
