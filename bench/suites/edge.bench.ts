import { Test } from '@nestjs/testing';
import { EdgePurgeService, HttpCacheService, RedisModule, type RedisModuleOptions } from 'nestjs-rediskit';
import { CdnStub } from '../../test/edge/cdn-stub.js';
import { benchRedis, compare, report } from '../harness.js';

/** The stub CDN's answer time: a purge API across the internet answers in tens of ms. */
const CDN_LATENCY_MS = 20;

/**
 * What purging the edge costs an invalidation: `HttpCacheService.invalidateTags` with no purge,
 * with the edge purger (Fastly adapter: batched per tick, deduplicated, one request in flight),
 * and with the hand-written hook the HTTP cache offered before (`onInvalidate` sending one
 * Fastly request per invalidation and waiting for it). Same process, same Redis, 100 callers,
 * one stub Fastly on loopback that answers after 20 ms. Also prints how many tags the purger sent per request.
 */
export default async function edge(): Promise<void> {
  const redis = await benchRedis();
  const stub = await CdnStub.start();
  stub.answer = () => new Promise((resolve) => setTimeout(() => resolve({ status: 200, body: '{}' }), CDN_LATENCY_MS));
  const fastly = { serviceId: 'bench', apiKey: 'bench-token', endpoint: stub.url };
  const boot = async (more: Partial<RedisModuleOptions>) => {
    const moduleRef = await Test.createTestingModule({ imports: [RedisModule.forRoot({ connection: { url: redis.url }, keyspace: { prefix: 'bench-edge' }, httpCache: {}, ...more })] }).compile();
    return moduleRef.createNestApplication({ logger: false }).init();
  };
  const hook = async (tags: string[]) => {
    await fetch(`${stub.url}/service/bench/purge`, { method: 'POST', headers: { 'fastly-key': fastly.apiKey, 'content-type': 'application/json' }, body: JSON.stringify({ surrogate_keys: tags }) });
  };
  const plain = await boot({});
  const purger = await boot({ edge: { fastly, maxQueue: 1_000_000 } });
  const hooked = await boot({ httpCache: { onInvalidate: hook } });
  let i = 0;
  const invalidate = (app: typeof plain) => async () => {
    await app.get(HttpCacheService).invalidateTags([`product:${i++ % 5000}`]);
  };
  const results = await compare({
    'invalidateTags, no purge': invalidate(plain),
    'invalidateTags + edge purger': invalidate(purger),
    'invalidateTags + onInvalidate fetch per call': invalidate(hooked),
  });
  report(`edge: HttpCacheService.invalidateTags with a CDN purge (stub Fastly answering in ${CDN_LATENCY_MS} ms, 100 concurrent callers)`, results, 'invalidateTags, no purge', {
    'invalidateTags + edge purger': '≥ 0.80×',
  });
  await purger.get(EdgePurgeService).flush();
  const stats = purger.get(EdgePurgeService).stats();
  console.log(`edge purger: ${stats.purged} tags purged in ${stats.requests} requests (${(stats.purged / Math.max(1, stats.requests)).toFixed(1)} tags per request), ${stats.deduplicated} deduplicated, ${stats.dropped} dropped\n`);
  await Promise.all([plain.close(), purger.close(), hooked.close()]);
  await stub.stop();
  await redis.stop();
}
