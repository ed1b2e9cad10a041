import { afterAll, describe, expect, it } from '@jest/globals';
import { ReservationService } from 'nestjs-rediskit';
import { RedisServer } from '../harness/index.js';
import { reservationBehaviour } from './reservation-behaviour.js';
import { bootApp } from '../harness/capability-fixtures.js';

describe('ReservationService on a standalone server', () => {
  let server: RedisServer;
  afterAll(async () => {
    await server?.stop();
  });

  reservationBehaviour(async () => {
    server = await RedisServer.start();
    return { connection: () => ({ url: server.url }), hang: () => server.pause(), wake: () => server.resume() };
  }, 'rs');

  it('each operation is one EVALSHA', async () => {
    const app = await bootApp({ connection: { url: server.url }, keyspace: { prefix: 'rs1' } });
    try {
      const stock = app.get(ReservationService);
      const warm = async () => {
        await stock.setStock('one-trip', 5);
        const a = (await stock.reserve('one-trip', 1))!;
        const b = (await stock.reserve('one-trip', 1))!;
        await stock.confirm(a.id);
        await stock.release(b.id);
        await stock.available('one-trip');
      };
      await warm(); // loads the scripts
      await server.cli('CONFIG', 'RESETSTAT');
      await warm();
      const stats = await server.cli('INFO', 'commandstats');
      const calls = Object.fromEntries([...stats.matchAll(/cmdstat_(\w+):calls=(\d+)/g)].map((m) => [m[1], Number(m[2])]));
      expect(calls.evalsha).toBe(6);
      expect(calls.eval).toBeUndefined();
    } finally {
      await app.close();
    }
  });
});
