import { EventEmitter } from 'node:events';
import { requestContextMiddleware } from '../../libs/rediskit/src/context/request-context.middleware.js';
import { hammer, median, startApp, type BenchApp, type Run } from '../http-harness.js';
import { benchRedis, report, type Result } from '../harness.js';

const APP = new URL('./request-cache.app.ts', import.meta.url);
const WITHOUT = 'bare endpoint, plain Nest app';
const WITH = 'bare endpoint, request context installed';
const MODULE = 'bare endpoint, RedisModule imported';
const MODES = { [WITHOUT]: 'off', [WITH]: 'context', [MODULE]: 'module' };

/** CPU time of the context middleware alone per request (ns): a request's id, its header, its context, its end. */
function middlewareNs(): number {
  const req = { headers: { 'x-request-id': 'bench-request-0001' } };
  const n = 200_000;
  const once = () => {
    const res = Object.assign(new EventEmitter(), { setHeader: () => undefined });
    requestContextMiddleware(req, res, () => undefined);
    res.emit('close');
  };
  for (let i = 0; i < n; i++) once(); // warm-up
  const start = process.cpuUsage();
  for (let i = 0; i < n; i++) once();
  const used = process.cpuUsage(start);
  return ((used.user + used.system) * 1000) / n;
}

const INJECTS = Number(process.env.BENCH_INJECTS ?? 20_000);

/** CPU µs per in-process request of each app (on Fastify), rounds alternating the apps. */
async function injectCpu(redisUrl: string, rounds: number): Promise<Map<string, number[]>> {
  const apps = new Map<string, BenchApp>();
  const out = new Map<string, number[]>(Object.keys(MODES).map((name) => [name, []]));
  try {
    for (const [name, mode] of Object.entries(MODES)) apps.set(name, await startApp(APP, { REDIS_URL: redisUrl, ADAPTER: 'fastify', CONTEXT: mode }));
    for (const app of apps.values()) await app.inject(INJECTS); // warm-up
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? Object.keys(MODES) : Object.keys(MODES).reverse();
      for (const name of order) out.get(name)!.push(await apps.get(name)!.inject(INJECTS));
    }
  } finally {
    for (const app of apps.values()) await app.stop();
  }
  return out;
}

/**
 * The cost of the request context on a request that does not use it: the same bare endpoint
 * in three apps (each in its own process): plain, with only the request context installed
 * (the middleware, and AsyncLocalStorage's propagation through every promise), and importing
 * RedisModule. 50 connections, the apps alternate over 5 rounds; ratios per round cancel the
 * drift of this shared machine. Also the middleware's own CPU time per request, against the
 * bare endpoint's CPU per request.
 */
export default async function requestCacheBench(): Promise<void> {
  const redis = await benchRedis();
  const adapter = process.env.BENCH_ADAPTER ?? 'express';
  const seconds = Math.max(1, Math.round(Number(process.env.BENCH_MS ?? 5000) / 1000));
  const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
  const apps = new Map<string, BenchApp>();
  const runs = new Map<string, Run[]>(Object.keys(MODES).map((name) => [name, []]));
  try {
    for (const [name, mode] of Object.entries(MODES)) apps.set(name, await startApp(APP, { REDIS_URL: redis.url, ADAPTER: adapter, CONTEXT: mode }));
    for (const app of apps.values()) await hammer(app, '/bare', 1); // warm-up
    for (let r = 0; r < rounds; r++) {
      // Reverse the order every other round, so none always runs on a warmer machine.
      const order = r % 2 === 0 ? Object.keys(MODES) : Object.keys(MODES).reverse();
      for (const name of order) runs.get(name)!.push(await hammer(apps.get(name)!, '/bare', seconds));
    }
  } finally {
    for (const app of apps.values()) await app.stop();
  }
  const results: Result[] = [...runs].map(([name, list]) => ({ name, ...[...list].sort((a, b) => a.opsPerSec - b.opsPerSec)[Math.floor(list.length / 2)] }));
  console.log(`adapter: ${adapter}; payload: ~2.4 KB JSON; autocannon: 50 connections, ${seconds} s per round, median of ${rounds} rounds\n`);
  report(`request context: overhead on a request that does not use it (${adapter})`, results, WITHOUT, { [WITH]: '≥ 0.98× (≤ 2% overhead)' });
  const perRound = (name: string) => median(runs.get(name)!.map((x, i) => x.opsPerSec / runs.get(WITHOUT)![i].opsPerSec));
  const cpu = (name: string) => median(runs.get(name)!.map((x) => x.cpuUsPerRequest));
  for (const name of [WITH, MODULE]) {
    console.log(`${name} / plain: requests/s ${perRound(name).toFixed(3)}× (median per round); CPU per request ${cpu(name).toFixed(1)} µs vs ${cpu(WITHOUT).toFixed(1)} µs (${((cpu(name) / cpu(WITHOUT) - 1) * 100).toFixed(1)}%)`);
  }
  const injected = await injectCpu(redis.url, rounds);
  console.log(`in-process requests (Fastify inject, sequential, median of ${rounds} rounds of ${INJECTS}): CPU per request`);
  for (const name of Object.keys(MODES)) {
    const ratioToPlain = median(injected.get(name)!.map((x, i) => x / injected.get(WITHOUT)![i]));
    console.log(`- ${name}: ${median(injected.get(name)!).toFixed(1)} µs (${((ratioToPlain - 1) * 100).toFixed(1)}% vs plain, median per round)`);
  }
  const ns = middlewareNs();
  await redis.stop();
  console.log(`the middleware alone: ${ns.toFixed(0)} ns CPU per request = ${((ns / 1000 / cpu(WITHOUT)) * 100).toFixed(2)}% of a bare request's CPU\n`);
}
