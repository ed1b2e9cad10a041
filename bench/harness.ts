import { RedisServer } from '../test/harness/redis-server.js';
import { noteRatio } from './record.js';

/** What one contender achieved. */
export interface Result {
  name: string;
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
}

export interface MeasureOptions {
  /** Callers running at once (default 100). */
  concurrency?: number;
  /** Measured time per round (default 2 s; BENCH_MS overrides). */
  durationMs?: number;
  /** Rounds; contenders alternate round by round and the median round counts (default 3). */
  rounds?: number;
}

/** A Redis for the benchmark: REDIS_URL when set, else a throwaway redis-server. */
export async function benchRedis(): Promise<{ url: string; stop: () => Promise<void> }> {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, stop: async () => undefined };
  const server = await RedisServer.start();
  return { url: server.url, stop: () => server.stop() };
}

/** `concurrency` loops call `fn` for `durationMs`; returns throughput and latency percentiles. */
async function round(fn: () => Promise<unknown>, concurrency: number, durationMs: number): Promise<Omit<Result, 'name'>> {
  const latencies: number[] = [];
  let ops = 0;
  const end = performance.now() + durationMs;
  const worker = async () => {
    while (performance.now() < end) {
      const t = performance.now();
      await fn();
      latencies.push(performance.now() - t);
      ops++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
  return { opsPerSec: ops / elapsed, p50Ms: pct(0.5), p99Ms: pct(0.99) };
}

/**
 * Runs every contender against the same Redis in this process, alternating them round by
 * round so drift (GC, CPU frequency, the other core) hits all alike; reports the median round.
 */
export async function compare(contenders: Record<string, () => Promise<unknown>>, options: MeasureOptions = {}): Promise<Result[]> {
  const concurrency = options.concurrency ?? 100;
  const durationMs = Number(process.env.BENCH_MS ?? options.durationMs ?? 2000);
  const rounds = options.rounds ?? 5;
  const runs = new Map<string, Omit<Result, 'name'>[]>();
  for (const [name, fn] of Object.entries(contenders)) {
    await round(fn, concurrency, Math.min(300, durationMs)); // warm-up: JIT, connections, scripts
    runs.set(name, []);
  }
  for (let r = 0; r < rounds; r++) {
    for (const [name, fn] of Object.entries(contenders)) runs.get(name)!.push(await round(fn, concurrency, durationMs));
  }
  return [...runs].map(([name, list]) => {
    const median = [...list].sort((a, b) => a.opsPerSec - b.opsPerSec)[Math.floor(list.length / 2)];
    return { name, ...median };
  });
}

/** Prints a markdown table with each result's ratio to `baseline` (by name). */
export function report(title: string, results: Result[], baseline: string, targets: Record<string, string> = {}): string {
  const base = results.find((r) => r.name === baseline)!;
  const lines = [
    `### ${title}`,
    '',
    `| contender | ops/s | p50 ms | p99 ms | ratio to ${baseline} | target |`,
    '|---|---:|---:|---:|---:|---|',
    ...results.map(
      (r) =>
        `| ${r.name} | ${Math.round(r.opsPerSec).toLocaleString('en-US')} | ${r.p50Ms.toFixed(3)} | ${r.p99Ms.toFixed(3)} | ${(r.opsPerSec / base.opsPerSec).toFixed(2)}× | ${targets[r.name] ?? ''} |`,
    ),
    '',
  ];
  const text = lines.join('\n');
  for (const r of results) if (r !== base) noteRatio(title, `${r.name} / ${baseline}`, r.opsPerSec / base.opsPerSec);
  console.log(text);
  return text;
}

/** Ratio of two contenders' throughput. */
export function ratio(results: Result[], a: string, b: string): number {
  const get = (n: string) => results.find((r) => r.name === n)!.opsPerSec;
  return get(a) / get(b);
}
