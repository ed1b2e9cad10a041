import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import calculateSlot from 'cluster-key-slot';
import { Keyspace, LockService } from 'nestjs-rediskit';
import { RedisClusterFixture } from '../harness/index.js';
import { lockBehaviour } from './lock-behaviour.js';
import { lockHandOffBehaviour } from './lock-handoff-behaviour.js';
import { bootApp } from './lock-fixtures.js';

describe('LockService on a 3-master cluster', () => {
  let cluster: RedisClusterFixture;
  let apps: [INestApplication, INestApplication];

  beforeAll(async () => {
    cluster = await RedisClusterFixture.start();
    const options = { connection: { cluster: { nodes: cluster.addresses } }, keyspace: { prefix: 'lc' } };
    apps = [await bootApp(options), await bootApp(options)];
  });
  afterAll(async () => {
    await Promise.all((apps ?? []).map((app) => app?.close()));
    await cluster?.stop();
  });

  lockBehaviour(() => apps);
  lockHandOffBehaviour(() => apps);

  it('keeps each lock key and its fence counter in one slot, and spreads resources over the masters', async () => {
    const keyspace = apps[0].get(Keyspace);
    const locks = apps[0].get(LockService);
    const resources = Array.from({ length: 30 }, (_, i) => `order:${i}`);
    for (const r of resources) expect(calculateSlot(keyspace.slotted('lock', r))).toBe(calculateSlot(keyspace.slotted('lock', r, 'fence')));
    const owners = new Set(await Promise.all(resources.map(async (r) => (await cluster.ownerOf(calculateSlot(keyspace.slotted('lock', r)))).port)));
    expect(owners.size).toBe(3);
    const held = await Promise.all(resources.map((r) => locks.acquire(r, { ttl: 2000 })));
    expect(held.every((l) => l.fencingToken >= 1)).toBe(true);
    expect(await Promise.all(held.map((l) => l.release()))).toEqual(resources.map(() => true));
  });
});
