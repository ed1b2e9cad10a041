import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Injectable, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  CacheService,
  LockService,
  OnMessage,
  PubSubService,
  RateLimiterService,
  RedisModule,
  type Envelope,
  type RateLimitPolicy,
  type RedisModuleOptions,
} from 'nestjs-rediskit';
import { RedisServer, waitFor } from '../harness/index.js';

// Which connections the module opens, counted by the server (CLIENT LIST), for a bare
// forRoot, for each configured capability, and on first use.

/** The names of the module's connections the server sees now, sorted. */
async function rediskitClients(server: RedisServer): Promise<string[]> {
  const list = await server.cli('CLIENT', 'LIST');
  return list
    .split('\n')
    .map((line) => /\bname=(\S*)/.exec(line)?.[1] ?? '')
    .filter((name) => name.startsWith('rediskit:'))
    .sort();
}

@Injectable()
class OrdersListener {
  readonly received: Envelope[] = [];
  @OnMessage('orders')
  onOrder(message: Envelope): void {
    this.received.push(message);
  }
}

describe('connections are opened for the capabilities in use', () => {
  let server: RedisServer;
  const apps: INestApplication[] = [];
  let prefixes = 1;

  /** Boots an app on the server; apps of one test share a key prefix (and so a cache bus channel). */
  async function boot(options: Omit<RedisModuleOptions, 'connection' | 'keyspace'> = {}, providers: any[] = []): Promise<INestApplication> {
    const moduleRef = await Test.createTestingModule({
      imports: [RedisModule.forRoot({ connection: { url: server.url }, keyspace: { prefix: `lazy${prefixes}` }, circuitBreaker: { recoveryTimeout: 200 }, ...options })],
      providers,
    }).compile();
    const app = await moduleRef.createNestApplication({ logger: false }).init();
    apps.push(app);
    return app;
  }

  beforeAll(async () => {
    server = await RedisServer.start();
  });
  afterEach(async () => {
    prefixes++;
    await Promise.all(apps.splice(0).map((app) => app.close()));
    if (!server.running) await server.restart();
    await waitFor(async () => (await rediskitClients(server)).length === 0, 5000, 'the previous test to close its connections');
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('a bare forRoot opens exactly one connection', async () => {
    await boot();
    expect(await rediskitClients(server)).toEqual(['rediskit:default']);
  });

  it.each([
    ['a cache section', { cache: {} }, ['rediskit:default', 'rediskit:default:cache-bus']],
    ['a rateLimit section', { rateLimit: {} }, ['rediskit:default', 'rediskit:default:rate-limit']],
    ['every section', { cache: {}, rateLimit: {}, pubsub: {}, health: { monitor: {} } }, ['rediskit:default', 'rediskit:default:cache-bus', 'rediskit:default:rate-limit']],
  ] as const)('with %s, the connections of the configured capabilities open at boot', async (_name, options, expected) => {
    await boot(options);
    expect(await rediskitClients(server)).toEqual(expected);
  });

  it('@OnMessage handlers subscribe during boot, so the subscriber is open when init resolves', async () => {
    await boot({}, [OrdersListener]);
    expect(await rediskitClients(server)).toEqual(['rediskit:default', 'rediskit:default:pubsub']);
  });

  it('the cache opens its bus on first use and serves memory only once subscribed', async () => {
    const a = await boot();
    const b = await boot({ cache: {} }); // B's bus listens from boot
    const cacheA = a.get(CacheService);
    const cacheB = b.get(CacheService);
    // A writes (memory too) while its bus is not listening; B's later write is not heard by A.
    await cacheA.set('k', 'a1', { ttl: '1h' });
    await cacheB.set('k', 'b1', { ttl: '1h' });
    expect(await rediskitClients(server)).toEqual(['rediskit:default', 'rediskit:default', 'rediskit:default:cache-bus']);
    // First read: not served from memory (a1), and the bus opens.
    expect(await cacheA.get('k')).toBe('b1');
    await waitFor(() => cacheA.stats().busHealthy, 5000, "A's bus to subscribe");
    expect(await rediskitClients(server)).toEqual(['rediskit:default', 'rediskit:default', 'rediskit:default:cache-bus', 'rediskit:default:cache-bus']);
    // Redis changes behind every bus's back: what A read into memory before its bus was up
    // must have been dropped when it came up, so A reads Redis again.
    await cacheB.set('k2', 'b2', { ttl: '1h' });
    await server.cli('COPY', cacheB.redisKey('k2'), cacheB.redisKey('k'), 'REPLACE');
    expect(await cacheA.get('k')).toBe('b2');
    // From now on the bus keeps A's memory coherent.
    await cacheB.set('k', 'b3', { ttl: '1h' });
    await waitFor(async () => (await cacheA.get('k')) === 'b3', 5000, 'the invalidation to reach A');
  });

  it('concurrent first rate-limit decisions open one connection and are decided by Redis', async () => {
    const app = await boot();
    const limiter = app.get(RateLimiterService);
    const policy: RateLimitPolicy = { name: 'first', limit: 10, window: '1h', failure: 'closed' };
    const decisions = await Promise.all(Array.from({ length: 25 }, () => limiter.consume('user-1', policy)));
    expect(decisions.filter((d) => d.fallback !== undefined)).toEqual([]);
    expect(decisions.filter((d) => d.allowed)).toHaveLength(10);
    expect(await rediskitClients(server)).toEqual(['rediskit:default', 'rediskit:default:rate-limit']);
  });

  it('a first rate-limit decision with Redis down follows the failure policy; Redis decides once back', async () => {
    const app = await boot();
    const limiter = app.get(RateLimiterService);
    const policy: RateLimitPolicy = { name: 'down', limit: 5, window: '1h', failure: 'closed' };
    await server.stop();
    const refused = await limiter.consume('user-2', policy);
    expect(refused).toEqual(expect.objectContaining({ allowed: false, fallback: 'closed' }));
    await server.restart();
    // The connection opened while Redis was down reconnects by itself.
    await waitFor(async () => (await limiter.consume('user-2', policy)).fallback === undefined, 10_000, 'Redis to decide again');
    // The default connection comes back on its own backoff, which may end after the limiter's: wait for it, then
    // check that no other connection was opened.
    await waitFor(async () => (await rediskitClients(server)).includes('rediskit:default'), 10_000, 'the default connection to reconnect');
    expect(await rediskitClients(server)).toEqual(['rediskit:default', 'rediskit:default:rate-limit']);
  });

  it('locks open their hand-off subscriber at the first contended acquire, not before', async () => {
    const locks = (await boot()).get(LockService);
    const held = await locks.acquire('lazy-lock', { ttl: 5000 });
    expect(await locks.tryAcquire('lazy-lock')).toBeNull(); // tries once: never waits, never listens
    expect(await rediskitClients(server)).toEqual(['rediskit:default']);
    const waiting = locks.acquire('lazy-lock', { ttl: 5000, retry: { attempts: Infinity, delay: '10m', jitter: 0 } });
    await waitFor(async () => (await rediskitClients(server)).includes('rediskit:default:lock-handoff'), 5000, 'the hand-off subscriber');
    await held.release();
    await (await waiting).release();
    expect(await rediskitClients(server)).toEqual(['rediskit:default', 'rediskit:default:lock-handoff']);
  });

  it('pub/sub opens its subscriber on the first subscriptions, once for concurrent ones', async () => {
    const app = await boot({ pubsub: {} });
    expect(await rediskitClients(server)).toEqual(['rediskit:default']);
    const pubsub = app.get(PubSubService);
    const received: string[] = [];
    await Promise.all(['a', 'b', 'c', 'd'].map((channel) => pubsub.subscribe(channel, () => void received.push(channel))));
    expect(await rediskitClients(server)).toEqual(['rediskit:default', 'rediskit:default:pubsub']);
    await pubsub.publish('c', 1);
    await waitFor(() => received.includes('c'), 5000, 'the message');
  });
});
