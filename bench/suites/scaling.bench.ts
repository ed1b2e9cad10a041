import { execSync } from 'node:child_process';
import { Cluster, Redis } from 'ioredis';
import { CacheService, Codec, Keyspace, MetricsService, RateLimiterService, RedisRegistry, type RateLimitPolicy, type RedisModuleOptions } from 'nestjs-rediskit';
import { RedisClusterFixture, RedisServer } from '../../test/harness/index.js';
import { compare, type Result } from '../harness.js';
import { noteRatio } from '../record.js';

const VALUE = { id: 42, name: 'Ada Lovelace', active: true };
const POLICY: RateLimitPolicy = { name: 'scaling', limit: 1_000_000_000, window: 3_600_000 };
const SIZES = (process.env.SCALING_SIZES ?? '1000,10000,100000,1000000').split(',').map(Number);
const RAW_GET = 'raw ioredis GET';
const uptime = () => execSync('uptime').toString().trim();

interface Contenders {
  cache: CacheService;
  limiter: RateLimiterService;
  close: () => Promise<void>;
}

async function contenders(options: RedisModuleOptions): Promise<Contenders> {
  const registry = await RedisRegistry.connect(options);
  const keyspace = new Keyspace({ prefix: 'scale' });
  const metrics = await MetricsService.create();
  const cache = await CacheService.create(registry, keyspace, new Codec(), metrics, { defaultTtl: '1h', l1: false });
  const limiter = await RateLimiterService.create(registry, keyspace, metrics, options);
  return {
    cache,
    limiter,
    close: async () => {
      await cache.beforeApplicationShutdown();
      await registry.onApplicationShutdown();
    },
  };
}

const run = (c: Contenders, keys: number, baseline: Record<string, () => Promise<unknown>> = {}): Promise<Result[]> => {
  const key = () => `k${(Math.random() * keys) | 0}`;
  return compare({ ...baseline, 'cache L2 hit': () => c.cache.get(key()), 'rate-limit decision': () => c.limiter.consume(key(), POLICY) }, { rounds: 3 });
};

/**
 * Copies of one real entry of each kind (a cache entry, a fixed-window counter) under `count`
 * names, written with MSET in chunks: the keyspace grows fast, and every read is a real hit.
 */
async function fill(raw: Redis, c: Contenders, from: number, to: number): Promise<void> {
  await c.cache.set('seed', VALUE);
  await c.limiter.consume('seed', POLICY);
  const [cacheKey, limitKey] = await Promise.all(['*cache*seed*', '*ratelimit*seed*'].map((pattern) => findKey(raw, pattern)));
  const [cacheValue, limitValue] = await Promise.all([raw.getBuffer(cacheKey), raw.getBuffer(limitKey)]);
  for (let start = from; start < to; start += 1000) {
    const pairs: (string | Buffer)[] = [];
    for (let i = start; i < Math.min(to, start + 1000); i++) pairs.push(cacheKey.replace('seed', `k${i}`), cacheValue!, limitKey.replace('seed', `k${i}`), limitValue!);
    await raw.mset(...pairs);
  }
  if ((await c.cache.get(`k${to - 1}`)) === undefined) throw new Error(`the copied cache entries are not hits (${cacheKey})`);
}

async function findKey(raw: Redis, pattern: string): Promise<string> {
  let cursor = '0';
  do {
    const [next, keys] = await raw.scan(cursor, 'MATCH', pattern, 'COUNT', 10_000);
    if (keys.length > 0) return keys[0];
    cursor = next;
  } while (cursor !== '0');
  throw new Error(`no key matches ${pattern}`);
}

/**
 * How throughput scales: cache L2 hits (L1 off) and fixed-window rate-limit decisions, 100
 * concurrent callers, on one server and on a 3-master cluster (both started by test/harness,
 * same process); then, on one server, the cost per operation as the keys in use grow from 1k
 * to 1M (flat is the goal). SCALING_SIZES=1000,10000 shortens the second part.
 */
export default async function scalingBench(): Promise<void> {
  console.log(`load at start: ${uptime()}\n`);
  const server = await RedisServer.start();
  const cluster = await RedisClusterFixture.start();
  const rows: string[] = [];
  const single = await contenders({ connection: { url: server.url } });
  const sharded = await contenders({ connection: { cluster: { nodes: cluster.addresses } } });
  for (const c of [single, sharded]) await Promise.all(['seed', ...Array.from({ length: 1000 }, (_, i) => `k${i}`)].map((k) => c.cache.set(k, VALUE)));
  const raw = new Redis(server.url);
  const rawCluster = new Cluster(cluster.addresses);
  // Redis' own cost, as a baseline: a plain GET (one command each) of the cache's entries.
  const seedKey = await findKey(raw, '*cache*seed*');
  const rawGet = (client: Redis | Cluster, keys: number) => ({ [RAW_GET]: () => client.get(seedKey.replace('seed', `k${(Math.random() * keys) | 0}`)) });
  const [one, three] = [await run(single, 1000, rawGet(raw, 1000)), await run(sharded, 1000, rawGet(rawCluster, 1000))];
  for (const path of [RAW_GET, 'cache L2 hit', 'rate-limit decision']) {
    const [a, b] = [one, three].map((r) => r.find((x) => x.name === path)!);
    rows.push(`| ${path} | ${Math.round(a.opsPerSec).toLocaleString('en-US')} | ${Math.round(b.opsPerSec).toLocaleString('en-US')} | ${(b.opsPerSec / a.opsPerSec).toFixed(2)}× |`);
    if (path !== RAW_GET) noteRatio('3-master cluster / one server (same client, 1000 keys)', path, b.opsPerSec / a.opsPerSec);
  }
  console.log(['### scaling: one server vs a 3-master cluster, 100 concurrent callers, 1000 keys', '', '| path | one server ops/s | 3-master cluster ops/s | cluster / one |', '|---|---:|---:|---:|', ...rows, ''].join('\n'));
  rawCluster.disconnect();
  await sharded.close();
  await cluster.stop();

  const sizeRows: string[] = [];
  let filled = 0;
  let base: Result[] | undefined;
  for (const size of SIZES) {
    await fill(raw, single, filled, size);
    filled = size;
    const results = await run(single, size, rawGet(raw, size));
    base ??= results;
    const cell = (path: string) => {
      const r = results.find((x) => x.name === path)!;
      const first = base!.find((x) => x.name === path)!;
      return `${(1e6 / r.opsPerSec).toFixed(1)} µs (${(first.opsPerSec / r.opsPerSec).toFixed(2)}×)`;
    };
    const memory = /used_memory_human:(\S+)/.exec(await raw.info('memory'))?.[1];
    sizeRows.push(`| ${size.toLocaleString('en-US')} | ${await raw.dbsize()} | ${memory} | ${cell(RAW_GET)} | ${cell('cache L2 hit')} | ${cell('rate-limit decision')} |`);
  }
  console.log(
    [
      '### scaling: cost per operation as the keys in use grow (one server, 100 concurrent callers)',
      '',
      'Wall time per operation at 100 callers (1 / throughput), and in brackets relative to the first size.',
      '',
      '| keys in use | keys in Redis | Redis memory | raw ioredis GET | cache L2 hit | rate-limit decision |',
      '|---:|---:|---:|---:|---:|---:|',
      ...sizeRows,
      '',
      `load at end: ${uptime()}`,
      '',
    ].join('\n'),
  );
  raw.disconnect();
  await single.close();
  await server.stop();
}
