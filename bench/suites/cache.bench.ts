import { BentoCache, bentostore } from 'bentocache';
import { memoryDriver } from 'bentocache/drivers/memory';
import { redisBusDriver, redisDriver } from 'bentocache/drivers/redis';
import { createCache } from 'cache-manager';
import KeyvRedis from '@keyv/redis';
import { Redis } from 'ioredis';
import { Keyv } from 'keyv';
import { LRUCache } from 'lru-cache';
import { CacheService, Codec, Keyspace, MetricsService, RedisRegistry, type CacheOptions } from 'nestjs-rediskit';
import { benchRedis, compare, ratio, report } from '../harness.js';

// A ~300-byte JSON object, as the issue asks.
const VALUE = {
  id: 42,
  name: 'Ada Lovelace',
  email: 'ada@example.com',
  roles: ['admin', 'author'],
  profile: { bio: 'Mathematician and writer, known for her work on the Analytical Engine.', active: true, score: 98.5 },
  createdAt: '2024-01-01T00:00:00.000Z',
  tags: ['math', 'engines', 'poetry'],
  counters: { posts: 12, followers: 1024 },
};

async function rediskit(url: string, options: CacheOptions, prefix: string): Promise<{ cache: CacheService; close: () => Promise<void> }> {
  const registry = await RedisRegistry.connect({ connection: { url } });
  const cache = await CacheService.create(registry, new Keyspace({ prefix }), new Codec(), await MetricsService.create(), options);
  return {
    cache,
    close: async () => {
      await cache.beforeApplicationShutdown();
      await registry.onApplicationShutdown();
    },
  };
}

/**
 * CacheService against bentocache (memory L1 + redis L2 + bus) and cache-manager 7 with
 * @keyv/redis, same process, same Redis, 100 concurrent callers. Prints ratios.
 */
export default async function cacheBench(): Promise<void> {
  const redis = await benchRedis();
  const url = redis.url;
  const { port } = new URL(url);
  const raw = new Redis(url, { enableAutoPipelining: true });
  const bentoRedis = new Redis(url, { enableAutoPipelining: true });
  console.log(`payload: ${JSON.stringify(VALUE).length} bytes of JSON\n`);

  const withL1 = await rediskit(url, { defaultTtl: '10m' }, 'bench');
  const noL1 = await rediskit(url, { defaultTtl: '10m', l1: false }, 'bench');
  // Its own prefix: the misses written below under `bench` would otherwise each send it an invalidation.
  const tracked = await rediskit(url, { defaultTtl: '10m', l1: { coherence: 'tracking' } }, 'benchtracked');
  const bento = new BentoCache({
    default: 'tiered',
    stores: {
      tiered: bentostore()
        .useL1Layer(memoryDriver({ maxItems: 10_000 }))
        .useL2Layer(redisDriver({ connection: bentoRedis }))
        .useBus(redisBusDriver({ connection: { host: '127.0.0.1', port: Number(port) } })),
      l2only: bentostore().useL2Layer(redisDriver({ connection: bentoRedis })),
    },
  });
  const bentoL2 = bento.use('l2only');
  const cmTiered = createCache({ stores: [new Keyv(), new Keyv({ store: new KeyvRedis(url) })] });
  const cmRedis = createCache({ stores: [new Keyv({ store: new KeyvRedis(url) })] });

  const key = 'user:42';
  await withL1.cache.set(key, VALUE);
  await tracked.cache.set(key, VALUE);
  await bento.set({ key, value: VALUE, ttl: '10m' });
  await bentoL2.set({ key, value: VALUE, ttl: '10m' });
  await cmTiered.set(key, VALUE, 600_000);
  await raw.set('raw:user:42', JSON.stringify(VALUE));
  // warm every memory layer
  await withL1.cache.get(key);
  await tracked.cache.get(key);
  await bento.get({ key });
  await cmTiered.get(key);

  // The limit: the LRU rediskit's memory layer is built on, behind an async function.
  const lru = new LRUCache<string, object>({ max: 10_000 });
  lru.set(key, VALUE);
  const l1 = await compare({
    'bare async lru-cache get': async () => lru.get(key),
    'rediskit L1 hit': () => withL1.cache.get(key),
    'rediskit L1 hit (coherence: tracking)': () => tracked.cache.get(key),
    'bentocache L1 hit': () => bento.get({ key }),
    'cache-manager memory+redis hit': () => cmTiered.get(key),
  });
  report('cache: L1 (memory) hit, 100 concurrent callers', l1, 'bentocache L1 hit', { 'rediskit L1 hit': '≥ 10×' });
  console.log(`rediskit L1 hit / bare async lru-cache get: ${ratio(l1, 'rediskit L1 hit', 'bare async lru-cache get').toFixed(2)}× (target ≥ 0.33×); with coherence 'tracking': ${ratio(l1, 'rediskit L1 hit (coherence: tracking)', 'bare async lru-cache get').toFixed(2)}×\n`);

  const l2 = await compare({
    'raw ioredis GET + JSON.parse': async () => JSON.parse((await raw.get('raw:user:42'))!),
    'rediskit L2 hit (L1 off)': () => noL1.cache.get(key),
    'bentocache L2 hit (L2-only store)': () => bentoL2.get({ key }),
    'cache-manager @keyv/redis hit': () => cmRedis.get(key),
  });
  report('cache: L2 (Redis) hit with L1 off, 100 concurrent callers', l2, 'bentocache L2 hit (L2-only store)', { 'rediskit L2 hit (L1 off)': '≥ 1.5×' });
  console.log(`rediskit L2 hit / raw ioredis GET + JSON.parse: ${ratio(l2, 'rediskit L2 hit (L1 off)', 'raw ioredis GET + JSON.parse').toFixed(2)}× (target ≥ 0.95×)\n`);

  let n = 0;
  const loader = async () => VALUE;
  const miss = await compare(
    {
      'rediskit getOrSet miss→set': () => withL1.cache.getOrSet(`miss:${++n}`, loader),
      'bentocache getOrSet miss→set': () => bento.getOrSet({ key: `miss:${++n}`, factory: loader, ttl: '10m' }),
      'cache-manager wrap miss→set': () => cmTiered.wrap(`miss:${++n}`, loader, 600_000),
    },
    { rounds: 5 },
  );
  report('cache: getOrSet on a miss (load + store), 100 concurrent callers', miss, 'bentocache getOrSet miss→set', { 'rediskit getOrSet miss→set': '≥ 2×' });
  console.log(`rediskit getOrSet miss→set / cache-manager wrap: ${ratio(miss, 'rediskit getOrSet miss→set', 'cache-manager wrap miss→set').toFixed(2)}× (target ≥ 1.2×)\n`);
  await commandsPerMiss(url, {
    rediskit: (k) => withL1.cache.getOrSet(k, loader),
    "rediskit (coherence: 'tracking')": (k) => tracked.cache.getOrSet(k, loader),
    bentocache: (k) => bento.getOrSet({ key: k, factory: loader, ttl: '10m' }),
    'cache-manager': (k) => cmTiered.wrap(k, loader, 600_000),
  });

  await tagInvalidation(withL1.cache, bento);
  await invalidationDelay(url);

  await Promise.all([withL1.close(), noL1.close(), tracked.close(), bento.disconnectAll(), cmTiered.disconnect(), cmRedis.disconnect()]);
  raw.disconnect();
  bentoRedis.disconnect();
  await redis.stop();
}

/**
 * Redis commands one getOrSet miss costs (INFO stats before and after), one caller at a time
 * and with 100 concurrent callers (where the calls of a tick can share a command).
 */
async function commandsPerMiss(url: string, contenders: Record<string, (key: string) => Promise<unknown>>): Promise<void> {
  const probe = new Redis(url);
  const total = async () => Number(/total_commands_processed:(\d+)/.exec(await probe.info('stats'))![1]);
  const perMiss = async (misses: number, callers: number, fn: (key: string) => Promise<unknown>) => {
    await new Promise((r) => setTimeout(r, 200)); // background work of the previous contender settles
    const before = await total();
    let i = 0;
    const run = `${Math.random()}`;
    await Promise.all(Array.from({ length: callers }, async () => { while (i < misses) await fn(`rt:${run}:${i++}`); }));
    return ((await total()) - before - 1) / misses;
  };
  const rows = ['| contender | one caller | 100 concurrent callers |', '|---|---:|---:|'];
  for (const [name, fn] of Object.entries(contenders)) rows.push(`| ${name} | ${await perMiss(200, 1, fn)} | ${(await perMiss(5000, 100, fn)).toFixed(2)} |`);
  probe.disconnect();
  console.log(['### cache: Redis commands per getOrSet miss (other clients\' traffic in the same window counts too)', '', ...rows, ''].join('\n'));
}

/** invalidateTags for a tag carried by 1k and by 100k entries: should not grow with the count. */
async function tagInvalidation(cache: CacheService, bento: BentoCache<never>): Promise<void> {
  const rows: string[] = ['| entries with the tag | rediskit invalidateTags (median of 50, alternating) | bentocache deleteByTag (median of 50) |', '|---:|---:|---:|'];
  for (const count of [1_000, 100_000]) {
    const tag = `bulk${count}`;
    for (let i = 0; i < count; i += 1000) {
      await cache.setMany(Array.from({ length: Math.min(1000, count - i) }, (_, j) => ({ key: `${tag}:${i + j}`, value: VALUE, tags: [tag], skipL1: true })));
      await Promise.all(Array.from({ length: Math.min(1000, count - i) }, (_, j) => bento.set({ key: `${tag}:${i + j}`, value: VALUE, tags: [tag], ttl: '10m' })));
    }
    // Alternating call by call, so a busy machine slows both alike.
    const ours: number[] = [];
    const theirs: number[] = [];
    for (let r = 0; r < 50; r++) {
      let t = performance.now();
      await cache.invalidateTags(tag);
      ours.push(performance.now() - t);
      t = performance.now();
      await bento.deleteByTag({ tags: [tag] });
      theirs.push(performance.now() - t);
    }
    const median = (samples: number[]) => samples.sort((a, b) => a - b)[25];
    rows.push(`| ${count.toLocaleString('en-US')} | ${median(ours).toFixed(3)} ms | ${median(theirs).toFixed(3)} ms |`);
  }
  console.log(['### cache: tag invalidation time vs number of tagged entries', '', ...rows, ''].join('\n'));
}

/**
 * How long after a write on instance A instance B stops serving its old memory copy: over the
 * bus (A announces its write) and with key tracking (Redis tells B), then a foreign writer
 * (a raw client, which only tracking sees).
 */
async function invalidationDelay(url: string): Promise<void> {
  const rows = ['| coherence, writer | p50 ms | p99 ms | max ms |', '|---|---:|---:|---:|'];
  const raw = new Redis(url);
  for (const [label, coherence, foreign] of [
    ['bus, A is rediskit', 'bus', false],
    ['tracking, A is rediskit', 'tracking', false],
    ['tracking, A is a raw ioredis client', 'tracking', true],
  ] as const) {
    const a = await rediskit(url, { l1: { coherence } }, `delay${coherence}`);
    const b = await rediskit(url, { l1: { coherence } }, `delay${coherence}`);
    const delays: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const k = `bus:${i % 50}`;
      await a.cache.set(k, i);
      while ((await b.cache.get(k)) !== i) await new Promise((r) => setImmediate(r)); // b holds i in memory
      if (foreign) {
        await a.cache.set(`src:${k}`, i + 0.5, { skipL1: true });
        const entry = await raw.getBuffer(a.cache.redisKey(`src:${k}`));
        const t = performance.now();
        await raw.set(a.cache.redisKey(k), entry!);
        while ((await b.cache.get(k)) !== i + 0.5) await new Promise((r) => setImmediate(r));
        delays.push(performance.now() - t);
      } else {
        const t = performance.now();
        await a.cache.set(k, i + 0.5);
        while ((await b.cache.get(k)) !== i + 0.5) await new Promise((r) => setImmediate(r));
        delays.push(performance.now() - t);
      }
    }
    delays.sort((x, y) => x - y);
    const pct = (p: number) => delays[Math.min(delays.length - 1, Math.floor(delays.length * p))].toFixed(3);
    rows.push(`| ${label} | ${pct(0.5)} | ${pct(0.99)} | ${pct(1)} |`);
    await Promise.all([a.close(), b.close()]);
  }
  raw.disconnect();
  console.log(['### cache: invalidation delay on localhost (1000 writes: A writes, until B stops serving its old memory copy)', '', ...rows, ''].join('\n'));
}
