import { EventEmitter } from 'node:events';
import { requestContextMiddleware } from '../../libs/rediskit/src/context/request-context.middleware.js';
import { hammer, median, startApp, type BenchApp } from '../http-harness.js';
import { benchRedis, report, type Result } from '../harness.js';

const APP = new URL('./request-cache.app.ts', import.meta.url);
const PLAIN = 'plain Nest app';
const MODULE = 'RedisModule imported (request cache unused: no context)';
const CONTEXT = 'RedisModule, requestContext: true';
const FOREIGN = 'plain, OpenTelemetry context entered per request';
const FOREIGN_CONTEXT = 'OpenTelemetry context + RedisModule, requestContext: true';
const APPS: Record<string, { CONTEXT: string; FOREIGN: string }> = {
  [PLAIN]: { CONTEXT: 'off', FOREIGN: '0' },
  [MODULE]: { CONTEXT: 'module', FOREIGN: '0' },
  [CONTEXT]: { CONTEXT: 'context', FOREIGN: '0' },
  [FOREIGN]: { CONTEXT: 'off', FOREIGN: '1' },
  [FOREIGN_CONTEXT]: { CONTEXT: 'context', FOREIGN: '1' },
};
/** Each app against the one it differs from by what is measured, and the target. */
const PAIRS: [string, string, string][] = [
  [MODULE, PLAIN, '≥ 0.98× (≤ 2% overhead)'],
  [CONTEXT, PLAIN, 'none: what AsyncLocalStorage costs on Node 20'],
  [FOREIGN_CONTEXT, FOREIGN, '≥ 0.98× (≤ 2% overhead)'],
];

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

const INJECTS = Number(process.env.BENCH_INJECTS ?? 10_000);

/** Each app's measurements over `rounds` rounds, the apps alternating (reversed every other round, so none always runs on a warmer machine). */
async function alternate<T>(redisUrl: string, adapter: string, rounds: number, measure: (app: BenchApp) => Promise<T>): Promise<Map<string, T[]>> {
  const apps = new Map<string, BenchApp>();
  const out = new Map<string, T[]>(Object.keys(APPS).map((name) => [name, []]));
  try {
    for (const [name, env] of Object.entries(APPS)) apps.set(name, await startApp(APP, { REDIS_URL: redisUrl, ADAPTER: adapter, ...env }));
    for (const app of apps.values()) await measure(app); // warm-up
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? Object.keys(APPS) : Object.keys(APPS).reverse();
      for (const name of order) out.get(name)!.push(await measure(apps.get(name)!));
    }
  } finally {
    for (const app of apps.values()) await app.stop();
  }
  return out;
}

/**
 * The cost of the request context on a request that does not use it: the same bare endpoint
 * in five apps (each in its own process, see request-cache.app.ts): plain; importing RedisModule
 * in an app that does not use the request cache (no context is installed); with
 * `requestContext: true` (the middleware, and AsyncLocalStorage's propagation through every
 * promise); and the last two again in an app that already enters OpenTelemetry's context on
 * every request. 50 connections, the apps alternate over 5 rounds; ratios per round cancel the
 * drift of this shared machine. Then CPU per in-process request (Fastify inject), and the
 * middleware's own CPU time per request.
 */
export default async function requestCacheBench(): Promise<void> {
  const redis = await benchRedis();
  const adapter = process.env.BENCH_ADAPTER ?? 'express';
  const seconds = Math.max(1, Math.round(Number(process.env.BENCH_MS ?? 5000) / 1000));
  const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
  const runs = await alternate(redis.url, adapter, rounds, (app) => hammer(app, '/bare', seconds));
  const results: Result[] = [...runs].map(([name, list]) => ({ name, ...[...list].sort((a, b) => a.opsPerSec - b.opsPerSec)[Math.floor(list.length / 2)] }));
  console.log(`adapter: ${adapter}; payload: ~2.4 KB JSON; autocannon: 50 connections, ${seconds} s per round, median of ${rounds} rounds\n`);
  report(`request context: overhead on a request that does not use it (${adapter})`, results, PLAIN, { [MODULE]: '≥ 0.98×' });
  const perRound = (a: string, b: string) => median(runs.get(a)!.map((x, i) => x.opsPerSec / runs.get(b)![i].opsPerSec));
  const cpu = (name: string) => median(runs.get(name)!.map((x) => x.cpuUsPerRequest));
  for (const [a, b, target] of PAIRS) {
    console.log(`${a} / ${b}: requests/s ${perRound(a, b).toFixed(3)}× (median per round; target ${target}); CPU per request ${cpu(a).toFixed(1)} µs vs ${cpu(b).toFixed(1)} µs (${((cpu(a) / cpu(b) - 1) * 100).toFixed(1)}%)`);
  }
  const injected = await alternate(redis.url, 'fastify', rounds, (app) => app.inject(INJECTS));
  console.log(`\nin-process requests (Fastify inject, sequential, median of ${rounds} rounds of ${INJECTS}): CPU per request`);
  for (const [a, b] of PAIRS) {
    const extra = median(injected.get(a)!.map((x, i) => x / injected.get(b)![i])) - 1;
    console.log(`- ${a}: ${median(injected.get(a)!).toFixed(1)} µs vs ${b} ${median(injected.get(b)!).toFixed(1)} µs: ${(extra * 100).toFixed(1)}% (median per round)`);
  }
  const ns = middlewareNs();
  await redis.stop();
  console.log(`the middleware alone: ${ns.toFixed(0)} ns CPU per request = ${((ns / 1000 / cpu(PLAIN)) * 100).toFixed(2)}% of a bare request's CPU\n`);
}
