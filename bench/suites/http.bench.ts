import { fork } from 'node:child_process';
import autocannon from 'autocannon';
import { benchRedis, ratio, report, type Result } from '../harness.js';

const ENDPOINTS = {
  'bare endpoint (no cache, immediate)': '/bare',
  'rediskit ResponseCacheInterceptor (20 ms handler)': '/rediskit',
  '@nestjs/cache-manager CacheInterceptor + @keyv/redis (20 ms handler)': '/cache-manager',
};

function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
}

type Run = Omit<Result, 'name'> & { cpuUsPerRequest: number };

async function hammer(app: BenchApp, path: string, seconds: number): Promise<Run> {
  const cpuBefore = await app.cpu();
  const r = await autocannon({ url: app.base + path, connections: 50, duration: seconds, pipelining: 1 });
  const cpu = (await app.cpu()) - cpuBefore;
  if (r.non2xx > 0 || r.errors > 0) throw new Error(`${path}: ${r.non2xx} non-2xx, ${r.errors} errors`);
  return { opsPerSec: r.requests.average, p50Ms: r.latency.p50, p99Ms: r.latency.p99, cpuUsPerRequest: cpu / r.requests.total };
}

/** Starts the app in a child process (its own event loop and core) and resolves to its base URL. */
interface BenchApp {
  base: string;
  /** CPU time (user + system, µs) the app process has used. */
  cpu: () => Promise<number>;
  stop: () => Promise<void>;
}

function startApp(redisUrl: string, adapter: string): Promise<BenchApp> {
  const child = fork(new URL('./http.app.ts', import.meta.url), { env: { ...process.env, REDIS_URL: redisUrl, ADAPTER: adapter }, execArgv: process.execArgv });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`bench app exited with ${code}`)));
    child.once('message', (m: { port: number }) =>
      resolve({
        base: `http://127.0.0.1:${m.port}`,
        cpu: () =>
          new Promise<number>((done) => {
            const onMessage = (msg: { cpu?: NodeJS.CpuUsage }) => {
              if (!msg.cpu) return;
              child.off('message', onMessage);
              done(msg.cpu.user + msg.cpu.system);
            };
            child.on('message', onMessage);
            child.send('cpu');
          }),
        stop: () =>
          new Promise<void>((done) => {
            child.removeAllListeners('exit');
            child.once('exit', () => done());
            child.send('stop');
          }),
      }),
    );
  });
}

/**
 * autocannon against one Nest app (Express by default, BENCH_ADAPTER=fastify for Fastify):
 * a bare endpoint, our cached endpoint and @nestjs/cache-manager's CacheInterceptor with a
 * Redis store, both cached ones on the same 20 ms handler. 50 connections, endpoints
 * alternate over 5 rounds, the median round counts.
 */
export default async function httpBench(): Promise<void> {
  const redis = await benchRedis();
  const adapter = process.env.BENCH_ADAPTER ?? 'express';
  const app = await startApp(redis.url, adapter);
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
  report(`http: cached responses vs a bare endpoint and @nestjs/cache-manager (${adapter})`, results, bare, { [ours]: '≥ 0.95× bare', [theirs]: '' });
  // Per-round ratios: the contenders of one round ran seconds apart, so drift on this shared machine cancels out.
  const perRound = (a: string, b: string) => median(runs.get(a)!.map((x, i) => x.opsPerSec / runs.get(b)![i].opsPerSec));
  for (const [name, list] of runs) console.log(`CPU per request, ${name}: ${median(list.map((x) => x.cpuUsPerRequest)).toFixed(0)} µs (median)`);
  console.log(`rediskit / bare: ${ratio(results, ours, bare).toFixed(2)}× of medians, ${perRound(ours, bare).toFixed(2)}× median per round (target ≥ 0.95×)`);
  console.log(`rediskit / @nestjs/cache-manager: ${ratio(results, ours, theirs).toFixed(2)}× of medians, ${perRound(ours, theirs).toFixed(2)}× median per round (target ≥ 1.15×)\n`);
}
