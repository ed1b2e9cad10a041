import { afterAll, describe, expect, it } from '@jest/globals';
import calculateSlot from 'cluster-key-slot';
import { Keyspace, ReservationService } from 'nestjs-rediskit';
import { RedisClusterFixture } from '../harness/index.js';
import { reservationBehaviour } from './reservation-behaviour.js';
import { bootApp } from '../harness/capability-fixtures.js';

describe('ReservationService on a 3-master cluster', () => {
  let cluster: RedisClusterFixture;
  afterAll(async () => {
    await cluster?.stop();
  });

  reservationBehaviour(async () => {
    cluster = await RedisClusterFixture.start();
    return {
      connection: () => ({ cluster: { nodes: cluster.addresses } }),
      hang: () => cluster.nodes.forEach((n) => n.pause()),
      wake: () => cluster.nodes.forEach((n) => n.resume()),
    };
  }, 'rc');

  it('keeps an item in one slot and spreads items over the masters', async () => {
    const app = await bootApp({ connection: { cluster: { nodes: cluster.addresses } }, keyspace: { prefix: 'rc1' } });
    try {
      const keyspace = app.get(Keyspace);
      const stock = app.get(ReservationService);
      const items = Array.from({ length: 30 }, (_, i) => `sku:${i}`);
      for (const item of items) {
        const slot = calculateSlot(keyspace.slotted('reservation', item, 'stock'));
        expect([calculateSlot(keyspace.slotted('reservation', item, 'holds')), calculateSlot(keyspace.slotted('reservation', item, 'due'))]).toEqual([slot, slot]);
      }
      const owners = new Set(await Promise.all(items.map(async (i) => (await cluster.ownerOf(calculateSlot(keyspace.slotted('reservation', i, 'stock')))).port)));
      expect(owners.size).toBe(3);
      await Promise.all(items.map((item, i) => stock.setStock(item, i + 1)));
      const holds = await Promise.all(items.map((item) => stock.reserve(item, 1)));
      expect(await Promise.all(holds.map((h) => stock.confirm(h!.id)))).toEqual(items.map(() => 'confirmed'));
      expect(await Promise.all(items.map((item) => stock.available(item)))).toEqual(items.map((_, i) => i));
    } finally {
      await app.close();
    }
  });
});
