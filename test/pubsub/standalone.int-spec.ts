import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { Redis } from 'ioredis';
import { Codec, PubSubService, RedisRegistry, type Envelope } from 'nestjs-rediskit';
import { RedisServer, sleep, waitFor } from '../harness/index.js';
import { pubsubBehaviour } from './pubsub-behaviour.js';
import { bootApp, metric, PatternListener } from './pubsub-fixtures.js';

describe('Pub/Sub on a single Redis', () => {
  let server: RedisServer;
  let a: INestApplication;
  let b: INestApplication;

  beforeAll(async () => {
    server = await RedisServer.start();
    const options = { connection: { url: server.url }, keyspace: { prefix: 'ps', app: 'standalone' } };
    [a, b] = await Promise.all([bootApp(options, [PatternListener]), bootApp(options, [PatternListener])]);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await server?.stop();
  });

  pubsubBehaviour(() => [a, b], { patterns: true });

  it('subscribes on a dedicated connection; the main connection stays free for publishing', async () => {
    const clients = await server.cli('CLIENT', 'LIST');
    const lines = clients.split('\n').filter((l) => l.includes(`name=rediskit:default`));
    const subscriber = lines.filter((l) => l.includes('name=rediskit:default:pubsub'));
    const main = lines.filter((l) => / name=rediskit:default /.test(l));
    expect(subscriber.length).toBe(2); // one per app
    for (const l of subscriber) expect(Number(/ sub=(\d+)/.exec(l)![1]) + Number(/ psub=(\d+)/.exec(l)![1])).toBeGreaterThan(0);
    expect(main.length).toBe(2);
    for (const l of main) expect(l).toMatch(/ sub=0 psub=0 /);
    // Many subscriptions in flight do not hold up a publish.
    const pubsub = b.get(PubSubService);
    const subscribing = Promise.all(Array.from({ length: 500 }, (_, i) => pubsub.subscribe(`bulk-${i}`, () => undefined)));
    expect(await a.get(PubSubService).publish('orders', { n: -1 })).toBeGreaterThan(0);
    await Promise.all((await subscribing).map((off) => off()));
  });

  it('drops (and counts) messages that are not rediskit envelopes', async () => {
    const before = await metric(b, 'rediskit_pubsub_undecodable_total');
    await server.cli('PUBLISH', 'ps:standalone:pubsub:c:orders', 'not an envelope');
    await waitFor(async () => (await metric(b, 'rediskit_pubsub_undecodable_total')) === before + 1, 5000, 'undecodable counted');
  });

  it('after a Redis restart, subscriptions come back by themselves and the gap is counted', async () => {
    const listener = b.get(PatternListener);
    const gapsBefore = await metric(b, 'rediskit_pubsub_gaps_total');
    // Down for two seconds: the subscriber's reconnect backoff is exercised, not just one retry.
    await server.stop();
    // While Redis is down publishing fails (nothing is queued) and is counted.
    const failedBefore = await metric(a, 'rediskit_pubsub_publish_failures_total{kind="channel"}');
    const userFailedBefore = await metric(a, 'rediskit_pubsub_publish_failures_total{kind="user"}');
    await expect(a.get(PubSubService).publish('orders', { n: -1 })).rejects.toThrow();
    await expect(a.get(PubSubService).notifyUser(7, 'note', {})).rejects.toThrow();
    expect(await metric(a, 'rediskit_pubsub_publish_failures_total{kind="channel"}')).toBe(failedBefore + 1);
    expect(await metric(a, 'rediskit_pubsub_publish_failures_total{kind="user"}')).toBe(userFailedBefore + 1);
    await sleep(2000);
    await server.restart();
    const reachableAt = Date.now();
    // A fresh client publishes a framed envelope, so only the subscriber's recovery is measured.
    const raw = new Redis(server.url);
    const codec = b.get(Codec);
    const count = listener.orders.length;
    await waitFor(
      async () => {
        await raw.publish('ps:standalone:pubsub:c:orders', Buffer.concat([Buffer.from(`raw-${Date.now()}\n`), codec.encode({ type: 'orders', data: { n: -1 }, ts: Date.now(), source: 'raw' })]));
        return listener.orders.length > count;
      },
      15_000,
      'a message after the restart',
      20,
    );
    const resubscribedMs = Date.now() - reachableAt;
    raw.disconnect();
    console.log(`standalone: receiving again ${resubscribedMs} ms after the restarted server was reachable`);
    for (const app of [a, b]) await waitFor(async () => (await metric(app, 'rediskit_pubsub_gap_seconds_count')) >= 1, 5000, 'gap closed');
    expect(await metric(b, 'rediskit_pubsub_gaps_total')).toBe(gapsBefore + 1);
    // Both apps publish and receive again.
    const received = listener.orders.length;
    await waitFor(async () => {
      await a.get(PubSubService).publish('orders', { n: -1 }).catch(() => undefined);
      return listener.orders.length > received;
    }, 15_000, 'app-to-app after restart', 100);
    // The idle main connection reconnects on its own jittered schedule.
    await waitFor(() => b.get(RedisRegistry).get().isReady, 5000, 'main connection ready again');
  });

  it('closing the app closes the subscriber connection', async () => {
    const extra = await bootApp({ connection: { url: server.url }, keyspace: { prefix: 'ps', app: 'standalone' } });
    const got: Envelope[] = [];
    await extra.get(PubSubService).subscribe('orders', (m) => void got.push(m));
    await extra.close();
    const clients = await server.cli('CLIENT', 'LIST');
    expect(clients.split('\n').filter((l) => l.includes('name=rediskit:default:pubsub')).length).toBe(2);
  });
});
