import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { LockLostError, LockService } from 'nestjs-rediskit';
import { MASTER_NAME, SentinelFixture, waitFor } from '../harness/index.js';
import { bootApp, sleep, strictlyIncreasing } from './lock-fixtures.js';

describe('LockService through Sentinel', () => {
  let group: SentinelFixture;
  let apps: INestApplication[];

  beforeAll(async () => {
    group = await SentinelFixture.start();
    const options = { connection: { sentinels: group.addresses, name: MASTER_NAME, commandTimeout: 1000 }, keyspace: { prefix: 'ls' } };
    apps = [await bootApp(options), await bootApp(options)];
  });
  afterAll(async () => {
    await Promise.all((apps ?? []).map((app) => app.close()));
    await group?.stop();
  });

  it('keeps issuing increasing fencing tokens and extending a running job across a failover', async () => {
    const [a, b] = apps.map((app) => app.get(LockService));
    const tokens: number[] = [];
    for (let i = 0; i < 3; i++) {
      const lock = await (i % 2 ? a : b).acquire('ledger', { ttl: 2000 });
      tokens.push(lock.fencingToken);
      await lock.release();
    }
    // A job that holds the lock while the master is replaced (a graceful failover replicates
    // the lock key and the counter first). It either keeps its lease or learns it lost it.
    let outcome: unknown = 'pending';
    const job = a
      .withLock('ledger', async (signal, lock) => {
        tokens.push(lock.fencingToken);
        while (!signal.aborted && outcome === 'pending') await sleep(50);
        return 'done';
      }, { ttl: 3000 })
      .then((v) => (outcome = v), (e: unknown) => (outcome = e));
    await sleep(100);
    // Replication is asynchronous: a failover loses what the replica has not received yet,
    // which may include the last counter increments (see the README). Fail over once in sync.
    const offset = async (server: typeof group.master, field: string) => Number(new RegExp(`${field}:(\\d+)`).exec(await server.cli('INFO', 'replication'))?.[1]);
    await waitFor(async () => (await offset(group.replica, 'slave_repl_offset')) >= (await offset(group.master, 'master_repl_offset')), 5000, 'replica in sync');
    await group.failover();
    // Wait until the new master answers, then let the job finish.
    let after = null;
    for (let i = 0; i < 100 && !after; i++) {
      after = await b.tryAcquire('other', { ttl: 1000 }).catch(() => null);
      if (!after) await sleep(100);
    }
    expect(after).not.toBeNull();
    await after!.release();
    outcome = outcome === 'pending' ? 'stop' : outcome;
    await job;
    expect(outcome === 'done' || outcome instanceof LockLostError).toBe(true);
    const next = await b.acquire('ledger', { ttl: 2000, retry: { attempts: Infinity, maxWait: '5s', delay: 50 } });
    tokens.push(next.fencingToken);
    await next.release();
    expect(strictlyIncreasing(tokens)).toBe(true);
  });
});
