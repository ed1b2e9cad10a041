import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { Codec, Keyspace, MetricsService, PubSubService, RedisRegistry, type RedisModuleOptions } from 'nestjs-rediskit';
import { RedisServer } from '../../test/harness/redis-server.js';
import { benchRedis, compare, ratio, report } from '../harness.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A message like an app would send: an order event of about 250 bytes. */
const order = { orderId: 'ord_7f3a9c', customer: { id: 42, name: 'Ada Lovelace' }, items: [{ sku: 'BK-001', qty: 2 }, { sku: 'PN-77', qty: 1 }], total: 59.9, note: 'x'.repeat(80) };

/** Resolves a waiter when its message arrives: one op = publish, then wait for the subscriber. */
function roundTrips(): { next: () => { seq: number; arrived: Promise<void> }; arrive: (seq: number) => void } {
  const waiters = new Map<number, () => void>();
  let seq = 0;
  return {
    next: () => {
      const s = ++seq;
      return { seq: s, arrived: new Promise<void>((resolve) => waiters.set(s, resolve)) };
    },
    arrive: (s) => {
      const done = waiters.get(s);
      waiters.delete(s);
      done?.();
    },
  };
}

async function pubsubService(options: RedisModuleOptions): Promise<{ pubsub: PubSubService; close: () => Promise<void> }> {
  const registry = await RedisRegistry.connect(options);
  const pubsub = new PubSubService(registry, new Keyspace({ prefix: 'bench' }), new Codec(), await MetricsService.create(), options);
  return { pubsub, close: () => registry.onApplicationShutdown() };
}

/**
 * Publish → receive through PubSubService (envelope, codec, keyspace, dedicated subscriber,
 * metrics) against raw ioredis PUBLISH + SUBSCRIBE with JSON, same process, same Redis, 100
 * concurrent callers each publishing a message and waiting until its subscriber got it.
 * Then: how long after a restarted Redis is reachable the subscriber receives again.
 */
export default async function pubsubBench(): Promise<void> {
  const redis = await benchRedis();
  const options: RedisModuleOptions = { connection: { url: redis.url } };

  const rawPub = new Redis(redis.url, { enableAutoPipelining: true });
  const rawSub = new Redis(redis.url);
  const raw = roundTrips();
  const rawInbox = roundTrips();
  rawSub.on('message', (channel: string, message: string) => {
    const { seq } = JSON.parse(message) as { seq: number };
    (channel === 'bench:raw:orders' ? raw : rawInbox).arrive(seq);
  });
  await rawSub.subscribe('bench:raw:orders', 'bench:raw:user:42');

  const { pubsub, close } = await pubsubService(options);
  const ours = roundTrips();
  await pubsub.subscribe<{ seq: number }>('orders', (m) => ours.arrive(m.data.seq));
  const inbox = roundTrips();
  await pubsub.subscribeUser(42, (m) => inbox.arrive((m.data as { seq: number }).seq));

  const contenders = {
    'raw ioredis PUBLISH + SUBSCRIBE (JSON)': async () => {
      const { seq, arrived } = raw.next();
      await rawPub.publish('bench:raw:orders', JSON.stringify({ seq, order }));
      await arrived;
    },
    'rediskit publish + subscribe': async () => {
      const { seq, arrived } = ours.next();
      await pubsub.publish('orders', { seq, order });
      await arrived;
    },
    'raw ioredis pipelined XADD + PUBLISH (JSON)': async () => {
      const { seq, arrived } = rawInbox.next();
      const message = JSON.stringify({ seq, order });
      await rawPub.pipeline().xadd('bench:raw:inbox:42', 'MAXLEN', '~', 1000, '*', 'b', message).publish('bench:raw:user:42', message).exec();
      await arrived;
    },
    'rediskit notifyUser (inbox XADD + publish)': async () => {
      const { seq, arrived } = inbox.next();
      await pubsub.notifyUser(42, 'order.updated', { seq, order });
      await arrived;
    },
  };
  const results = await compare(contenders);
  report('pubsub: publish → receive, 100 concurrent publishers', results, 'raw ioredis PUBLISH + SUBSCRIBE (JSON)', {
    'rediskit publish + subscribe': '≥ 0.90×',
  });
  console.log(`rediskit publish / raw: ${ratio(results, 'rediskit publish + subscribe', 'raw ioredis PUBLISH + SUBSCRIBE (JSON)').toFixed(2)}×`);
  const notify = ratio(results, 'rediskit notifyUser (inbox XADD + publish)', 'raw ioredis pipelined XADD + PUBLISH (JSON)');
  console.log(`rediskit notifyUser / raw pipelined XADD + PUBLISH: ${notify.toFixed(2)}× (target ≥ 1.00×)\n`);
  // One publisher at a time: nothing to batch, so this shows what the envelope itself costs.
  const alone = await compare(contenders, { concurrency: 1 });
  report('pubsub: publish → receive, 1 publisher at a time (no batching possible)', alone, 'raw ioredis PUBLISH + SUBSCRIBE (JSON)', {
    'rediskit publish + subscribe': '≥ 0.95×',
  });
  await pubsub.inbox(42).clear();
  await rawPub.del('bench:raw:inbox:42');
  rawPub.disconnect();
  rawSub.disconnect();
  await close();
  await redis.stop();
  await recovery();
}

/** Restarts a throwaway Redis (down 1 s each time) and measures until the subscriber receives again. */
async function recovery(restarts = 5): Promise<void> {
  Logger.overrideLogger(['error']); // the expected "connection lost / back" lines, 5 times over
  const server = await RedisServer.start();
  const { pubsub, close } = await pubsubService({ connection: { url: server.url } });
  let received = 0;
  await pubsub.subscribe('ping', () => void received++);
  const message = (await pubsubEnvelope(pubsub)).message;
  const times: number[] = [];
  for (let i = 0; i < restarts; i++) {
    await server.stop();
    await sleep(1000);
    await server.restart();
    const reachable = performance.now();
    const publisher = new Redis(server.port);
    const before = received;
    while (received === before) {
      await publisher.publish('bench:pubsub:c:ping', message);
      await sleep(2);
    }
    times.push(performance.now() - reachable);
    publisher.disconnect();
  }
  times.sort((a, b) => a - b);
  console.log(
    `### pubsub: subscriber receiving again after a Redis restart (down 1 s, ${restarts} restarts)\n\n` +
      `median ${times[Math.floor(times.length / 2)].toFixed(0)} ms, max ${times[times.length - 1].toFixed(0)} ms after the server was reachable (target < 2000 ms)\n`,
  );
  await close();
  await server.stop();
  Logger.overrideLogger(['log', 'error', 'warn', 'debug', 'verbose', 'fatal']);
}

// A framed envelope as PubSubService writes it, to publish from a plain client.
async function pubsubEnvelope(pubsub: PubSubService): Promise<{ message: Buffer }> {
  const codec = new Codec();
  return { message: Buffer.concat([Buffer.from('bench-1\n'), codec.encode({ type: 'ping', data: null, ts: 0, source: pubsub.source })]) };
}
