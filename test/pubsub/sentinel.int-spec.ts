import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { Redis } from 'ioredis';
import { Codec, PubSubService } from 'nestjs-rediskit';
import { MASTER_NAME, SentinelFixture, waitFor } from '../harness/index.js';
import { bootApp, Listener, metric } from './pubsub-fixtures.js';

describe('Pub/Sub through Sentinel', () => {
  let group: SentinelFixture;
  let a: INestApplication;
  let b: INestApplication;

  beforeAll(async () => {
    group = await SentinelFixture.start();
    const options = { connection: { sentinels: group.addresses, name: MASTER_NAME, commandTimeout: 1000 }, keyspace: { prefix: 'ps', app: 'sentinel' } };
    [a, b] = await Promise.all([bootApp(options, [Listener]), bootApp(options, [Listener])]);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await group?.stop();
  });

  /** Publishes framed envelopes straight to the master sentinels report until `b` receives one. */
  async function receivingAgain(label: string, masterBefore: number): Promise<void> {
    await waitFor(async () => (await group.masterPort()) !== masterBefore, 20_000, 'sentinels to announce the new master', 20);
    const announcedAt = Date.now();
    const raw = new Redis(await group.masterPort());
    const message = Buffer.concat([Buffer.from('raw-1\n'), b.get(Codec).encode({ type: 'orders', data: { n: -1 }, ts: 0, source: 'raw' })]);
    const listener = b.get(Listener);
    const count = listener.orders.length;
    await waitFor(
      async () => {
        await raw.publish('ps:sentinel:pubsub:c:orders', message);
        return listener.orders.length > count;
      },
      20_000,
      `messages after the ${label}`,
      20,
    );
    console.log(`sentinel (${label}): receiving again ${Date.now() - announcedAt} ms after the new master was announced`);
    raw.disconnect();
    // And app to app, through each app's own reconnected main connection.
    const received = listener.orders.length;
    await waitFor(
      async () => {
        await a.get(PubSubService).publish('orders', { n: 1 }).catch(() => undefined);
        return listener.orders.length > received;
      },
      20_000,
      `app-to-app after the ${label}`,
      100,
    );
  }

  it('exchanges messages between two apps on the master', async () => {
    await a.get(PubSubService).publish('orders', { n: 1 });
    await waitFor(() => b.get(Listener).orders.length >= 1 && a.get(Listener).orders.length >= 1, 10_000, 'first message');
    expect(b.get(Listener).orders[0].data).toEqual({ n: 1 });
  });

  it('after SENTINEL FAILOVER, subscriptions follow the new master and the gap is counted', async () => {
    const before = await group.masterPort();
    const gaps = await metric(b, 'rediskit_pubsub_gaps_total');
    await group.sentinels[0].cli('SENTINEL', 'FAILOVER', MASTER_NAME);
    await receivingAgain('failover', before);
    expect(await metric(b, 'rediskit_pubsub_gaps_total')).toBeGreaterThan(gaps);
  });

  it('after the master is killed, subscriptions come back on the promoted replica', async () => {
    const before = await group.masterPort();
    const master = before === group.master.port ? group.master : group.replica;
    await group.waitDiscovered();
    await master.kill();
    await receivingAgain('master crash', before);
  });
});
