import { afterAll, describe, expect, it } from '@jest/globals';
import { RedisServer } from '../harness/index.js';
import { invalidationBehaviour } from './invalidation-behaviour.js';
import { eventually, metric, startInvalidationApp } from './invalidation-app.js';

describe('InvalidationService on one Redis', () => {
  let server: RedisServer;
  afterAll(async () => {
    await server?.stop();
  });

  invalidationBehaviour(async () => {
    server = await RedisServer.start();
    return {
      connection: () => ({ url: server.url }),
      stop: () => server.stop(),
      restart: () => server.restart(),
      hang: () => server.pause(),
      wake: () => server.resume(),
    };
  }, 'is');

  it('an instance whose reader was away while the stream was trimmed past it counts a gap', async () => {
    const a = await startInvalidationApp({ url: server.url }, { streamLength: 1 }, { prefix: 'gap' });
    // b's own ACL user: taking XREAD away keeps its reader failing while a appends and trims
    await server.cli('ACL', 'SETUSER', 'gap-b', 'on', '>gap-b-password', '~*', '&*', '+@all');
    const b = await startInvalidationApp({ ...server.address, username: 'gap-b', password: 'gap-b-password' }, {}, { prefix: 'gap' });
    try {
      const seen: number[] = [];
      b.invalidation.register({ on: 'g', tags: (e: { n: number }) => (seen.push(e.n), []) });
      await a.invalidation.emit('g', { n: 0 });
      await eventually(() => seen.length === 1, 10_000, 'b to read the first event');
      await server.cli('ACL', 'SETUSER', 'gap-b', '-xread');
      for (let n = 1; n <= 500; n++) await a.invalidation.emit('g', { n });
      await eventually(async () => metric(await b.metricsText(), 'invalidation_failures_total', 'reason="read"') > 0, 10_000, 'b to fail a read');
      await server.cli('ACL', 'SETUSER', 'gap-b', '+xread');
      await eventually(async () => metric(await b.metricsText(), 'invalidation_failures_total', 'reason="gap"') === 1, 15_000, 'b to count the gap');
      await eventually(() => seen.includes(500), 10_000, 'b to read on from what is left');
      expect(seen.length).toBeLessThan(501); // the trimmed events were missed, and said so
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  }, 60_000);
});
