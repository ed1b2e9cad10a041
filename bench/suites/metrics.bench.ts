import dc from 'node:diagnostics_channel';
import { Redis } from 'ioredis';
import { Codec, Keyspace, MetricsService, type RedisModuleOptions, type RedisRegistry } from 'nestjs-rediskit';
import { RedisConnection, RedisConnectionMetrics } from '../../test/internals.js';
import { benchRedis, compare, report } from '../harness.js';

/**
 * What the core metrics cost: GET + decode through our connection with and without the
 * command instrumentation (latency histogram, error counter, slow-command check), against raw
 * ioredis; then what subscribing to ioredis' diagnostics channel would cost instead. Same
 * process, same Redis, 100 callers.
 */
export default async function metrics(): Promise<void> {
  const redis = await benchRedis();
  const value = { id: 42, name: 'Ada Lovelace', email: 'ada@example.com', roles: ['admin', 'author'], profile: { bio: 'x'.repeat(120), active: true } };
  const raw = new Redis(redis.url, { enableAutoPipelining: true });
  const bare = new RedisConnection('bench', { url: redis.url }, {});
  const measured = new RedisConnection('bench-metrics', { url: redis.url }, {});
  await Promise.all([bare.connect(5000), measured.connect(5000)]);
  const keyspace = new Keyspace({ prefix: 'bench' });
  const codec = new Codec();
  const key = keyspace.key('core', 'user', 42);
  await raw.set(key, codec.encode(value));
  // The module's own provider, on one connection.
  const service = await MetricsService.create();
  const registry = { all: () => new Map([['bench', measured]]) } as unknown as RedisRegistry;
  const instrumented = new RedisConnectionMetrics(registry, service, keyspace, {} as RedisModuleOptions);

  const get = (c: RedisConnection) => async () => codec.decode(await c.run((r) => r.getBuffer(keyspace.key('core', 'user', 42))), key);
  const withMetrics = await compare({
    'raw ioredis GET + JSON.parse': async () => JSON.parse((await raw.get(key))!),
    'rediskit connection, no metrics': get(bare),
    'rediskit connection + core metrics': get(measured),
  });
  report('metrics: cost of the core command metrics (GET + decode, 100 concurrent callers)', withMetrics, 'raw ioredis GET + JSON.parse', {
    'rediskit connection + core metrics': '≥ 0.90×',
  });
  await cpuPerOp({
    'raw ioredis GET + JSON.parse': async () => JSON.parse((await raw.get(key))!),
    'rediskit connection, no metrics': get(bare),
    'rediskit connection + core metrics': get(measured),
  });
  const observed = (await service.text()).match(/rediskit_redis_command_duration_seconds_count\{connection="bench",command="get"\} (\d+)/)?.[1];
  console.log(`(the histogram counted ${observed} GETs)\n`);

  // The diagnostics channel is process-wide: subscribe only while its contender runs.
  const channel = dc.tracingChannel('ioredis:command');
  const starts = new WeakMap<object, number>();
  let sum = 0;
  const handlers = {
    start: (ctx: object) => starts.set(ctx, performance.now()),
    end: () => undefined,
    asyncStart: () => undefined,
    asyncEnd: (ctx: object) => (sum += performance.now() - (starts.get(ctx) ?? 0)),
    error: () => undefined,
  };
  let subscribed = false;
  const toggle = (on: boolean) => {
    if (on === subscribed) return;
    if (on) channel.subscribe(handlers as never);
    else channel.unsubscribe(handlers as never);
    subscribed = on;
  };
  const dcResults = await compare({
    'raw ioredis GET + JSON.parse': async () => (toggle(false), JSON.parse((await raw.get(key))!)),
    'raw ioredis + diagnostics channel subscriber': async () => (toggle(true), JSON.parse((await raw.get(key))!)),
  });
  toggle(false);
  report('metrics: what ioredis diagnostics channel tracing would cost instead (raw GET, 100 concurrent callers)', dcResults, 'raw ioredis GET + JSON.parse');
  void sum;

  instrumented.onApplicationShutdown();
  raw.disconnect();
  await Promise.all([bare.close(), measured.close()]);
  await redis.stop();
}

/**
 * CPU time this process spends per operation (user + system), the median of 5 alternating
 * passes of 50,000 operations by 100 callers. Unlike throughput it hardly moves when other
 * processes compete for the CPU, so it shows what an addition costs on a busy machine.
 */
async function cpuPerOp(contenders: Record<string, () => Promise<unknown>>, ops = 50_000): Promise<void> {
  const samples = new Map<string, number[]>(Object.keys(contenders).map((n) => [n, []]));
  for (let pass = 0; pass < 6; pass++) {
    for (const [name, fn] of Object.entries(contenders)) {
      let left = ops;
      const before = process.cpuUsage();
      await Promise.all(Array.from({ length: 100 }, async () => { while (left-- > 0) await fn(); }));
      const used = process.cpuUsage(before);
      if (pass > 0) samples.get(name)!.push((used.user + used.system) / ops); // pass 0 warms up
    }
  }
  const median = (l: number[]) => [...l].sort((a, b) => a - b)[Math.floor(l.length / 2)];
  const base = median([...samples.values()][0]);
  console.log('| contender | CPU µs per op | ratio |\n|---|---:|---:|');
  for (const [name, list] of samples) console.log(`| ${name} | ${median(list).toFixed(2)} | ${(median(list) / base).toFixed(2)}× |`);
  console.log('');
}
