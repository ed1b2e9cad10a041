import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SpanKind, trace } from '@opentelemetry/api';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Redis } from 'ioredis';
import { CacheService, getRedisToken, Keyspace, LockService, PubSubService, RateLimiterService, RedisModule, RediskitError, SessionService, type Envelope, type RedisModuleOptions } from 'nestjs-rediskit';
import { RedisServer } from '../harness/index.js';
import { SpanRecorder, eventually } from './span-recorder.js';
import { cacheSpanBehaviour, childrenOf, expectNoneHolds, lockSpanBehaviour } from './tracing-behaviour.js';

async function bootApp(options: RedisModuleOptions): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({ imports: [RedisModule.forRoot(options)] }).compile();
  return moduleRef.createNestApplication({ logger: false }).init();
}

describe('OpenTelemetry spans on a standalone Redis', () => {
  let server: RedisServer;
  let spans: SpanRecorder;
  let app: INestApplication;
  let other: INestApplication;

  beforeAll(async () => {
    spans = SpanRecorder.register();
    server = await RedisServer.start();
    const options: RedisModuleOptions = { connection: { url: server.url }, keyspace: { prefix: 'tr' }, cache: {}, rateLimit: {}, session: {}, pubsub: {} };
    [app, other] = [await bootApp(options), await bootApp(options)];
  });
  afterAll(async () => {
    await Promise.all([app?.close(), other?.close()]);
    await server?.stop();
    await spans?.unregister();
  });

  cacheSpanBehaviour(() => ({ app, spans }));
  lockSpanBehaviour(() => ({ app, spans }));

  it('a rate-limit decision is a span with allowed, remaining and the policy name, never the partition', async () => {
    const limiter = app.get(RateLimiterService);
    const partition = `user-${Date.now()}`;
    const policy = { name: 'login', limit: 2, window: '1m' };
    const root = await spans.inRoot(async (root) => {
      for (let i = 0; i < 3; i++) await limiter.consume(partition, policy);
      await limiter.peek(partition, policy);
      return root;
    });
    const consumed = childrenOf(spans, root, 'rediskit.rate_limit.consume');
    expect(consumed.map((s) => [s.attributes['rediskit.rate_limit.allowed'], s.attributes['rediskit.rate_limit.remaining']])).toEqual([
      [true, 1],
      [true, 0],
      [false, 0],
    ]);
    expect(consumed[0]!.attributes).toMatchObject({ 'db.system.name': 'redis', 'rediskit.rate_limit.policy': 'login', 'rediskit.rate_limit.algorithm': 'fixed-window', 'rediskit.rate_limit.cost': 1 });
    expect(childrenOf(spans, root, 'rediskit.rate_limit.peek')[0]!.attributes).toMatchObject({ 'rediskit.rate_limit.allowed': false });
    expectNoneHolds(consumed, [partition]);
  });

  it('session create, read and rotate are spans that say what happened, never the token or the user', async () => {
    const sessions = app.get(SessionService);
    const userId = `u-${Date.now()}`;
    const { root, tokens } = await spans.inRoot(async (root) => {
      const { token } = await sessions.create(userId, { role: 'admin' });
      await sessions.get(token);
      await sessions.touch(token);
      const rotated = await sessions.rotate(token);
      expect(await sessions.get(token)).toBeNull();
      return { root, tokens: [token, rotated!.token, rotated!.session.id] };
    });
    expect(childrenOf(spans, root, 'rediskit.session.create')).toHaveLength(1);
    expect(childrenOf(spans, root, 'rediskit.session.read').map((s) => [s.attributes['rediskit.session.touch'], s.attributes['rediskit.session.found']])).toEqual([
      [false, true],
      [true, true],
      [false, false],
    ]);
    const [rotate] = childrenOf(spans, root, 'rediskit.session.rotate');
    expect(rotate!.attributes).toMatchObject({ 'db.system.name': 'redis', 'db.operation.name': 'session.rotate', 'rediskit.session.rotated': true });
    expectNoneHolds(spans.exporter.getFinishedSpans(), [...tokens, userId]);
  });

  it('publish and receive on two connections are one trace: the receive span is a child of the publish span', async () => {
    const received: Envelope[] = [];
    const off = await other.get(PubSubService).subscribe('orders', (m) => {
      received.push(m);
      trace.getTracer('test').startActiveSpan('handler.work', (s) => s.end());
    });
    spans.reset();
    const root = await spans.inRoot(async (root) => {
      await app.get(PubSubService).publish('orders', { total: 42 });
      return root;
    });
    await eventually(() => expect(spans.named('handler.work')).toHaveLength(1));
    await off();
    const publish = spans.childOf(root, 'rediskit.pubsub.publish');
    expect(publish.kind).toBe(SpanKind.PRODUCER);
    expect(publish.attributes).toMatchObject({ 'messaging.system': 'redis', 'messaging.operation.type': 'send', 'messaging.destination.name': 'orders' });
    const receive = spans.childOf(publish, 'rediskit.pubsub.receive');
    expect(receive.kind).toBe(SpanKind.CONSUMER);
    expect(receive.parentSpanContext?.isRemote).toBe(true);
    expect(receive.attributes).toMatchObject({ 'messaging.operation.type': 'process', 'messaging.destination.name': 'orders', 'rediskit.pubsub.handlers': 1 });
    expect(spans.childOf(receive, 'handler.work').spanContext().traceId).toBe(root.spanContext().traceId);
    expect(received[0]!.traceparent).toBe(`00-${publish.spanContext().traceId}-${publish.spanContext().spanId}-01`);
  });

  it('a received traceparent that is not well formed is ignored: the receive span starts its own trace', async () => {
    const got: Envelope[] = [];
    const off = await other.get(PubSubService).subscribe('raw', (m) => void got.push(m));
    spans.reset();
    const channel = app.get(Keyspace).key('pubsub', 'c') + app.get(Keyspace).separator + 'raw';
    const hostile = ['00-' + 'A'.repeat(32) + '-' + 'b'.repeat(16) + '-01', '00-' + '0'.repeat(32) + '-' + 'b'.repeat(16) + '-01', 'x'.repeat(100_000), 42];
    const client = app.get<Redis>(getRedisToken());
    for (const [i, traceparent] of hostile.entries()) {
      await client.publish(channel, `raw-${i}\n${JSON.stringify({ type: 'raw', data: i, ts: 1, source: 'elsewhere', traceparent })}`);
    }
    await eventually(() => expect(got).toHaveLength(hostile.length));
    await off();
    await eventually(() => expect(spans.named('rediskit.pubsub.receive')).toHaveLength(hostile.length));
    for (const span of spans.named('rediskit.pubsub.receive')) expect(span.parentSpanContext).toBeUndefined();
  });

  it('with Redis down, a lock acquire ends its span with the error code, a cache read records a miss, a rate limit its fallback', async () => {
    const down = await RedisServer.start();
    const outage = await bootApp({ connection: { url: down.url, commandTimeout: 300 }, keyspace: { prefix: 'tr-down' }, cache: { bus: false } });
    try {
      await down.stop();
      spans.reset();
      const error = await outage.get(LockService).acquire('job', { retry: { attempts: 0 } }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RediskitError);
      const [acquire] = spans.named('rediskit.lock.acquire');
      expect(acquire!.status.code).toBe(2);
      expect(acquire!.attributes['error.type']).toBe((error as RediskitError).code);
      expect(await outage.get(CacheService).get('anything')).toBeUndefined();
      const [get] = spans.named('rediskit.cache.get');
      expect(get!.attributes['rediskit.cache.layer']).toBe('miss');
      expect(get!.status.code).toBe(0); // a cache read never fails for Redis trouble
      expect((await outage.get(RateLimiterService).consume('someone', { name: 'api', limit: 5, window: '1m' })).fallback).toBe('open');
      expect(spans.named('rediskit.rate_limit.consume')[0]!.attributes).toMatchObject({ 'rediskit.rate_limit.allowed': true, 'rediskit.rate_limit.fallback': 'open' });
    } finally {
      await outage.close();
    }
  });
});
