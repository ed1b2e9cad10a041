import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import calculateSlot from 'cluster-key-slot';
import { Redis } from 'ioredis';
import { Test } from '@nestjs/testing';
import { Codec, PubSubService, RedisModule, RediskitArgumentError, type Envelope, type RedisModuleOptions } from 'nestjs-rediskit';
import { RedisClusterFixture, waitFor } from '../harness/index.js';
import { pubsubBehaviour } from './pubsub-behaviour.js';
import { bootApp, Listener, metric, PatternListener } from './pubsub-fixtures.js';

describe('Pub/Sub on a Redis Cluster', () => {
  let cluster: RedisClusterFixture;
  let classic: [INestApplication, INestApplication];
  let sharded: [INestApplication, INestApplication];
  const options = (extra: Partial<RedisModuleOptions> = {}): RedisModuleOptions => ({
    connection: { cluster: { nodes: cluster.addresses } },
    keyspace: { prefix: 'ps', app: 'cluster' },
    ...extra,
  });

  beforeAll(async () => {
    cluster = await RedisClusterFixture.start();
    const boot = (extra: Partial<RedisModuleOptions>, listener: typeof Listener) => bootApp(options(extra), [listener]);
    const apps = await Promise.all([
      boot({}, PatternListener),
      boot({}, PatternListener),
      boot({ pubsub: { sharded: true } }, Listener),
      boot({ pubsub: { sharded: true } }, Listener),
    ]);
    classic = [apps[0], apps[1]];
    sharded = [apps[2], apps[3]];
  });
  afterAll(async () => {
    await Promise.all([...(classic ?? []), ...(sharded ?? [])].map((app) => app?.close()));
    await cluster?.stop();
  });

  // Node restarts first: ioredis' cluster subscriber leaves 2 s disconnect timers behind when
  // its node goes away, which must expire before the file ends for Jest to exit promptly. The
  // behaviour tests below then also run on the recovered subscribers.
  it('after the node holding a sharded channel restarts, the channel is subscribed again', async () => {
    const [a, b] = sharded;
    const listener = b.get(Listener);
    const channel = 'ps:cluster:pubsub:c:orders';
    const owner = await cluster.ownerOf(calculateSlot(channel));
    const gaps = await metric(b, 'rediskit_pubsub_gaps_total');
    await owner.restart();
    const reachableAt = Date.now();
    const count = listener.orders.length;
    await waitFor(
      async () => {
        await a.get(PubSubService).publish('orders', { n: -1 }).catch(() => undefined);
        return listener.orders.length > count;
      },
      20_000,
      'sharded messages after the node restart',
      50,
    );
    console.log(`cluster (sharded): receiving again ${Date.now() - reachableAt} ms after the restarted node was reachable`);
    expect(await metric(b, 'rediskit_pubsub_gaps_total')).toBeGreaterThan(gaps); // a second node restarting meanwhile can make two
    await waitFor(async () => (await metric(b, 'rediskit_pubsub_gap_seconds_count')) >= 1, 5000, 'gap closed');
    expect(await metric(b, 'rediskit_pubsub_received_total{kind="channel"}')).toBeGreaterThan(0);
  });

  it('after the nodes holding classic subscribers restart, subscriptions move or come back', async () => {
    const [a, b] = classic;
    const listener = b.get(PatternListener);
    const holders = [];
    for (const node of cluster.nodes) {
      const clients = await node.cli('CLIENT', 'LIST');
      if (clients.split('\n').some((l) => l.includes('rediskit:default:pubsub') && / sub=[1-9]/.test(l))) holders.push(node);
    }
    expect(holders.length).toBeGreaterThan(0);
    const gaps = await metric(b, 'rediskit_pubsub_gaps_total');
    await Promise.all(holders.map((node) => node.restart()));
    const reachableAt = Date.now();
    // Raw publishes on every node measure the subscriber's recovery alone.
    const raw = cluster.nodes.map((n) => new Redis(n.port, { retryStrategy: () => 20 }));
    raw.forEach((r) => r.on('error', () => undefined));
    const message = Buffer.concat([Buffer.from('raw-1\n'), b.get(Codec).encode({ type: 'orders', data: { n: -1 }, ts: 0, source: 'raw' })]);
    const count = listener.orders.length;
    await waitFor(
      async () => {
        await Promise.all(raw.map((r) => r.publish('ps:cluster:pubsub:c:orders', message).catch(() => undefined)));
        return listener.orders.length > count;
      },
      20_000,
      'classic messages after the node restart',
      20,
    );
    console.log(`cluster (classic): receiving again ${Date.now() - reachableAt} ms after the restarted node was reachable`);
    expect(await metric(b, 'rediskit_pubsub_gaps_total')).toBeGreaterThan(gaps); // a second node restarting meanwhile can make two
    await waitFor(async () => (await metric(b, 'rediskit_pubsub_gap_seconds_count')) >= 1, 5000, 'gap closed');
    raw.forEach((r) => r.disconnect());
    const received = listener.orders.length;
    await waitFor(
      async () => {
        await a.get(PubSubService).publish('orders', { n: -1 }).catch(() => undefined);
        return listener.orders.length > received;
      },
      20_000,
      'app-to-app after the node restart',
      50,
    );
  });

  describe('classic pub/sub (PUBLISH is broadcast over the cluster bus)', () => {
    pubsubBehaviour(() => classic, { patterns: true });
  });

  describe('sharded pub/sub (pubsub.sharded: SPUBLISH / SSUBSCRIBE)', () => {
    pubsubBehaviour(() => sharded, { patterns: false });

    it('subscribes shard channels on the node that owns their slot, not classic channels', async () => {
      expect(sharded[0].get(PubSubService).isSharded).toBe(true);
      const channel = 'ps:cluster:pubsub:c:orders';
      const owner = await cluster.ownerOf(calculateSlot(channel));
      expect((await owner.cli('PUBSUB', 'SHARDCHANNELS')).split('\n')).toContain(channel);
      for (const node of cluster.nodes) expect((await node.cli('PUBSUB', 'CHANNELS')).split('\n')).not.toContain(channel.replace('orders', 'refunds') + 'x');
      const numsub = await owner.cli('PUBSUB', 'SHARDNUMSUB', channel);
      expect(Number(numsub.split('\n')[1])).toBe(2); // one subscriber connection per app
    });

    it('notifyUser publishes on the shard of the user inbox, in the same script', async () => {
      const [a, b] = sharded;
      const got: Envelope[] = [];
      const off = await b.get(PubSubService).subscribeUser('sharded-user', (m) => void got.push(m));
      const id = await a.get(PubSubService).notifyUser('sharded-user', 'hello', { x: 1 });
      await waitFor(() => got.length === 1, 10_000, 'sharded user notification');
      expect(got[0].id).toBe(id);
      await off();
    });

    it('pattern subscriptions are refused with a typed error, also for @OnMessage at boot', async () => {
      await expect(sharded[0].get(PubSubService).psubscribe('audit:*', () => undefined)).rejects.toThrow(RediskitArgumentError);
      const moduleRef = await Test.createTestingModule({ imports: [RedisModule.forRoot(options({ pubsub: { sharded: true } }))], providers: [PatternListener] }).compile();
      const app = moduleRef.createNestApplication({ logger: false });
      await expect(app.init()).rejects.toThrow(/sharded/);
      await app.close();
    });
  });

});
