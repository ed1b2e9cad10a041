import { Redlock } from '@sesamecare-oss/redlock';
import { Redis } from 'ioredis';
import { Keyspace, LockService, MetricsService, RedisRegistry } from 'nestjs-rediskit';
import { benchRedis, compare, ratio, report } from '../harness.js';
import { noteRatio } from '../record.js';

const TTL = 5000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A pool of resource names: each caller takes its own, so acquisitions never contend. */
function resourcePool(prefix: string, size: number): { take: () => string; put: (name: string) => void } {
  const free = Array.from({ length: size }, (_, i) => `${prefix}${i}`);
  return { take: () => free.pop()!, put: (name) => void free.push(name) };
}

interface Releasable {
  release(): Promise<unknown>;
}

interface HandOffStats {
  p50: number;
  p99: number;
  mean: number;
  /** Longest time a caller waited for the lock (fairness: a FIFO queue keeps it near waiters × hold). */
  maxWait: number;
  /** Standard deviation of the callers' waits. */
  waitSpread: number;
}

/**
 * Contended hand-off: `waiters` callers take one lock in turn, hold it `holdMs`, release it,
 * and rest briefly before queueing again (so the lock goes to someone who was waiting, not back
 * to the releaser). Hand-off latency = from a release to the acquisition by a caller that was
 * already waiting; wait = from a caller's acquire call to its acquisition.
 */
async function handOff(acquire: () => Promise<Releasable>, handOffs: number, waiters = 10, holdMs = 2, restMs = 10): Promise<HandOffStats> {
  const latencies: number[] = [];
  const waits: number[] = [];
  let releasedAt = 0;
  let taken = 0;
  const worker = async () => {
    while (taken <= handOffs) {
      const asked = performance.now();
      const lock = await acquire();
      const now = performance.now();
      // A hand-off only when this caller was already waiting at the release (else the lock was idle).
      if (releasedAt && asked < releasedAt) latencies.push(now - releasedAt);
      waits.push(now - asked);
      taken++;
      await sleep(holdMs);
      releasedAt = performance.now();
      await lock.release();
      await sleep(restMs);
    }
  };
  await Promise.all(Array.from({ length: waiters }, worker));
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))];
  const meanOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const meanWait = meanOf(waits);
  return {
    p50: pct(0.5),
    p99: pct(0.99),
    mean: meanOf(latencies),
    maxWait: Math.max(...waits),
    waitSpread: Math.sqrt(meanOf(waits.map((w) => (w - meanWait) ** 2))),
  };
}

/**
 * Uncontended acquire + release per second: LockService (one script each: SET NX PX + fence
 * INCR, compare-and-delete) against @sesamecare-oss/redlock on one Redis (its acquire and
 * release scripts), same process, same Redis, 100 concurrent callers, auto-pipelining on both.
 * Then the contended hand-off latency and the spread of waits of both.
 */
export default async function lockBench(): Promise<void> {
  const redis = await benchRedis();
  const options = { connection: { url: redis.url } };
  const registry = await RedisRegistry.connect(options);
  const locks = new LockService(registry, new Keyspace({ prefix: 'bench' }), await MetricsService.create(), {});
  const peerClient = new Redis(redis.url, { enableAutoPipelining: true });
  const redlock = new Redlock([peerClient], { retryCount: 0 });

  const ours = resourcePool('ours:', 200);
  const theirs = resourcePool('bench:redlock:', 200);
  const results = await compare({
    '@sesamecare-oss/redlock acquire + release': async () => {
      const name = theirs.take();
      const lock = await redlock.acquire([name], TTL);
      await lock.release();
      theirs.put(name);
    },
    'rediskit LockService acquire + release': async () => {
      const name = ours.take();
      const lock = await locks.acquire(name, { ttl: TTL });
      await lock.release();
      ours.put(name);
    },
  });
  report('lock: uncontended acquire + release, 100 concurrent callers', results, '@sesamecare-oss/redlock acquire + release', {
    'rediskit LockService acquire + release': '≥ 1.50×',
  });
  console.log(`ratio: ${ratio(results, 'rediskit LockService acquire + release', '@sesamecare-oss/redlock acquire + release').toFixed(2)}×\n`);

  // Hand-off: redlock polls (retryDelay 100 ± 25 ms); rediskit waiters queue and are woken by
  // the release, with the same mean retry pause kept as a fallback (delay 75, jitter 0..50).
  const handOffs = Number(process.env.LOCK_HANDOFFS ?? 100);
  const redlockWaiting = new Redlock([peerClient], { retryCount: -1, retryDelay: 100, retryJitter: 25 });
  const theirsContended = await handOff(() => redlockWaiting.acquire(['bench:redlock:contended'], TTL), handOffs);
  const oursContended = await handOff(() => locks.acquire('contended', { ttl: TTL, retry: { attempts: Infinity, delay: 75, jitter: 50 } }), handOffs);
  noteRatio('contended hand-off, 10 waiters (redlock / rediskit: higher is better)', 'hand-off p99 latency', theirsContended.p99 / oursContended.p99);
  noteRatio('contended hand-off, 10 waiters (redlock / rediskit: higher is better)', 'longest wait (fairness)', theirsContended.maxWait / oursContended.maxWait);
  const row = (name: string, r: HandOffStats) =>
    `| ${name} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.mean.toFixed(1)} | ${r.maxWait.toFixed(0)} | ${r.waitSpread.toFixed(1)} |`;
  console.log(
    [
      `### lock: contended hand-off, 10 waiters, ${handOffs} hand-offs, hold 2 ms (target p99 ≤ 10 ms)`,
      '',
      '| contender | hand-off p50 ms | hand-off p99 ms | hand-off mean ms | max wait ms | wait std dev ms |',
      '|---|---:|---:|---:|---:|---:|',
      row('@sesamecare-oss/redlock (polls: retryDelay 100, retryJitter ±25)', theirsContended),
      row('rediskit LockService (FIFO queue, woken on release; fallback pause 75..125)', oursContended),
      '',
    ].join('\n'),
  );

  peerClient.disconnect();
  await registry.onApplicationShutdown();
  await redis.stop();
}
