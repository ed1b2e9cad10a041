import { hammer, median, startApp, type Run } from '../http-harness.js';
import { benchRedis, ratio, report, type Result } from '../harness.js';

const ENDPOINTS = {
  'bare endpoint (no cache, immediate)': '/bare',
  'rediskit ResponseCacheInterceptor (20 ms handler)': '/rediskit',
  '@nestjs/cache-manager CacheInterceptor + @keyv/redis (20 ms handler)': '/cache-manager',
};

/**
 * autocannon against one Nest app (Express by default, BENCH_ADAPTER=fastify for Fastify):
 * a bare endpoint, our cached endpoint and @nestjs/cache-manager's CacheInterceptor with a
 * Redis store, both cached ones on the same 20 ms handler. 50 connections, endpoints
 * alternate over 5 rounds, the median round counts.
 */
export default async function httpBench(): Promise<void> {
  const redis = await benchRedis();
  const adapter = process.env.BENCH_ADAPTER ?? 'express';
  const app = await startApp(new URL('./http.app.ts', import.meta.url), { REDIS_URL: redis.url, ADAPTER: adapter });
  const seconds = Math.max(1, Math.round(Number(process.env.BENCH_MS ?? 5000) / 1000));
  const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
  const runs = new Map<string, Run[]>();
  try {
    for (const [name, path] of Object.entries(ENDPOINTS)) {
      await hammer(app, path, 1); // warm-up: JIT, connections, the cache entry
      runs.set(name, []);
    }
    for (let r = 0; r < rounds; r++) {
      for (const [name, path] of Object.entries(ENDPOINTS)) runs.get(name)!.push(await hammer(app, path, seconds));
    }
  } finally {
    await app.stop();
    await redis.stop();
  }
  const results: Result[] = [...runs].map(([name, list]) => ({ name, ...[...list].sort((a, b) => a.opsPerSec - b.opsPerSec)[Math.floor(list.length / 2)] }));
  const [bare, ours, theirs] = Object.keys(ENDPOINTS);
  console.log(`adapter: ${adapter}; payload: ~2.4 KB JSON (20 products); autocannon: 50 connections, ${seconds} s per round, median of ${rounds} rounds\n`);
  report(`http: cached responses vs a bare endpoint and @nestjs/cache-manager (${adapter})`, results, bare, { [ours]: '≥ 1.00× bare', [theirs]: '' });
  // Per-round ratios: the contenders of one round ran seconds apart, so drift on this shared machine cancels out.
  const perRound = (a: string, b: string) => median(runs.get(a)!.map((x, i) => x.opsPerSec / runs.get(b)![i].opsPerSec));
  for (const [name, list] of runs) console.log(`CPU per request, ${name}: ${median(list.map((x) => x.cpuUsPerRequest)).toFixed(0)} µs (median)`);
  console.log(`rediskit / bare: ${ratio(results, ours, bare).toFixed(2)}× of medians, ${perRound(ours, bare).toFixed(2)}× median per round (target ≥ 1.00×)`);
  console.log(`rediskit / @nestjs/cache-manager: ${ratio(results, ours, theirs).toFixed(2)}× of medians, ${perRound(ours, theirs).toFixed(2)}× median per round (target ≥ 1.15×)\n`);
}
