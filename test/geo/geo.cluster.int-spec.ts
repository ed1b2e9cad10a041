import { afterAll, describe, expect, it } from '@jest/globals';
import calculateSlot from 'cluster-key-slot';
import { GeoService, Keyspace } from 'nestjs-rediskit';
import { RedisClusterFixture } from '../harness/index.js';
import { geoBehaviour } from './geo-behaviour.js';
import { bootApp } from '../harness/capability-fixtures.js';

describe('GeoService on a 3-master cluster', () => {
  let cluster: RedisClusterFixture;
  afterAll(async () => {
    await cluster?.stop();
  });

  geoBehaviour(async () => {
    cluster = await RedisClusterFixture.start();
    return {
      connection: () => ({ cluster: { nodes: cluster.addresses } }),
      hang: () => cluster.nodes.forEach((n) => n.pause()),
      wake: () => cluster.nodes.forEach((n) => n.resume()),
    };
  }, 'gc');

  it('keeps a collection in one slot and spreads collections over the masters', async () => {
    const app = await bootApp({ connection: { cluster: { nodes: cluster.addresses } }, keyspace: { prefix: 'gc1' } });
    try {
      const keyspace = app.get(Keyspace);
      const geo = app.get(GeoService);
      const names = Array.from({ length: 30 }, (_, i) => `city:${i}`);
      for (const name of names) {
        const slot = calculateSlot(keyspace.slotted('geo', name, 'pos'));
        expect([calculateSlot(keyspace.slotted('geo', name, 'seen')), calculateSlot(keyspace.slotted('geo', name, 'meta'))]).toEqual([slot, slot]);
      }
      const owners = new Set(await Promise.all(names.map(async (n) => (await cluster.ownerOf(calculateSlot(keyspace.slotted('geo', n, 'pos')))).port)));
      expect(owners.size).toBe(3);
      await Promise.all(names.map((n, i) => geo.collection(n).update(`m${i}`, 10, 10, { i })));
      const found = await Promise.all(names.map((n) => geo.collection(n).nearby(10, 10, 1)));
      expect(found.map((members) => members.map((m) => m.meta))).toEqual(names.map((_, i) => [{ i }]));
    } finally {
      await app.close();
    }
  });
});
