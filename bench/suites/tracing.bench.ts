import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, NoopSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { CacheService, Codec, Keyspace, MetricsService, RedisRegistry } from 'nestjs-rediskit';
import { Tracing } from '../../test/internals.js';
import { benchRedis, compare, ratio, report } from '../harness.js';

const VALUE = { id: 42, name: 'Ada Lovelace', email: 'ada@example.com', roles: ['admin', 'author'], profile: { bio: 'x'.repeat(120), active: true } };

/**
 * What tracing costs on the cache's hottest paths (an L1 hit, an L2 hit): with
 * `@opentelemetry/api` absent (tracing off: the path the package takes without it), with the
 * API but no SDK registered, and with an SDK whose processor does nothing (spans are recorded,
 * then dropped: the cost of rediskit's spans without an exporter's). The tracer provider is
 * process-wide, so each state with the API runs in its own comparison next to the absent one.
 */
export default async function tracing(): Promise<void> {
  const redis = await benchRedis();
  const registry = await RedisRegistry.connect({ connection: { url: redis.url } });
  const keyspace = new Keyspace({ prefix: 'bench' });
  const metrics = await MetricsService.create();
  const cacheWith = (t: Tracing) => CacheService.create(registry, keyspace, new Codec(), metrics, { defaultTtl: '10m' }, t);
  const absent = await cacheWith(Tracing.off);
  // A second cache without tracing: how far two identical contenders drift apart on this machine.
  const control = await cacheWith(Tracing.off);
  const apiOnly = await cacheWith(await Tracing.create());
  await absent.set('user:42', VALUE);
  await absent.get('user:42');
  const paths = (cache: CacheService) => ({
    l1: () => cache.get('user:42'),
    l2: () => cache.get('user:42', { skipL1: true }),
  });

  // Each path without the API next to the same path in the state measured.
  const against = (state: string) => ({
    'L1 hit, API absent': paths(absent).l1,
    [`L1 hit, ${state}`]: paths(apiOnly).l1,
    'L1 hit, API absent (control)': paths(control).l1,
    'L2 hit, API absent': paths(absent).l2,
    [`L2 hit, ${state}`]: paths(apiOnly).l2,
    'L2 hit, API absent (control)': paths(control).l2,
  });

  const noSdk = await compare(against('API without SDK'));
  report('tracing: cache hits with @opentelemetry/api absent vs installed without an SDK (100 concurrent callers)', noSdk, 'L1 hit, API absent');

  // What an application does at start (NodeSDK): a provider and the AsyncLocalStorage context manager.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new NoopSpanProcessor()] }));
  const withSdk = await compare(against('SDK + no-op processor'));
  report('tracing: cache hits with @opentelemetry/api absent vs an SDK with a no-op span processor (100 concurrent callers)', withSdk, 'L1 hit, API absent');

  console.log('| path | API without SDK / absent | control / absent | SDK + no-op processor / absent | control / absent |\n|---|---:|---:|---:|---:|');
  for (const layer of ['L1', 'L2']) {
    const to = (results: typeof noSdk, name: string) => `${ratio(results, `${layer} hit, ${name}`, `${layer} hit, API absent`).toFixed(2)}×`;
    console.log(`| ${layer} hit | ${to(noSdk, 'API without SDK')} | ${to(noSdk, 'API absent (control)')} | ${to(withSdk, 'SDK + no-op processor')} | ${to(withSdk, 'API absent (control)')} |`);
  }
  console.log();
  await Promise.all([absent, control, apiOnly].map((c) => c.beforeApplicationShutdown()));
  await registry.onApplicationShutdown();
  await redis.stop();
}
