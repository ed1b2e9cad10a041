import { afterAll, describe, expect, it } from '@jest/globals';
import { GeoService } from 'nestjs-rediskit';
import { RedisServer } from '../harness/index.js';
import { geoBehaviour } from './geo-behaviour.js';
import { bootApp } from '../harness/capability-fixtures.js';

describe('GeoService on a standalone server', () => {
  let server: RedisServer;
  afterAll(async () => {
    await server?.stop();
  });

  geoBehaviour(async () => {
    server = await RedisServer.start();
    return { connection: () => ({ url: server.url }), hang: () => server.pause(), wake: () => server.resume() };
  }, 'gs');

  it('each operation is one EVALSHA', async () => {
    const app = await bootApp({ connection: { url: server.url }, keyspace: { prefix: 'gs1' } });
    try {
      const geo = app.get(GeoService);
      await geo.update('warm', 1, 1, { a: 1 }); // loads the scripts
      await geo.nearby(1, 1, 1);
      await geo.remove('warm');
      await server.cli('CONFIG', 'RESETSTAT');
      await geo.update('one', 1, 1, { a: 1 });
      await geo.nearby(1, 1, 1);
      await geo.remove('one');
      const stats = await server.cli('INFO', 'commandstats');
      const calls = Object.fromEntries([...stats.matchAll(/cmdstat_(\w+):calls=(\d+)/g)].map((m) => [m[1], Number(m[2])]));
      expect(calls.evalsha).toBe(3);
      expect(calls.eval).toBeUndefined();
    } finally {
      await app.close();
    }
  });
});
