import { Redis } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { Keyspace, MetricsService, RATE_LIMIT_ALGORITHMS, RateLimiterService, RedisRegistry, type RateLimitPolicy } from 'nestjs-rediskit';
import { benchRedis, compare, ratio, report } from '../harness.js';

const KEYS = 1000;
const WINDOW_S = 60;
// Generous limits: the common case, a check that admits. Refusals are measured separately.
const HIGH = 1_000_000;
const key = () => `user-${(Math.random() * KEYS) | 0}`;

async function limiter(url: string): Promise<{ limiter: RateLimiterService; close: () => Promise<void> }> {
  const options = { connection: { url } };
  const registry = await RedisRegistry.connect(options);
  const service = await RateLimiterService.create(registry, new Keyspace({ prefix: 'bench' }), await MetricsService.create(), options);
  return { limiter: service, close: () => registry.onApplicationShutdown() };
}

/**
 * Rate-limit checks per second: RateLimiterService (each algorithm) against
 * rate-limiter-flexible's RateLimiterRedis (a fixed window, one Lua script), same process, same
 * Redis, 100 concurrent callers over 1000 keys. Both clients auto-pipeline.
 */
export default async function rateLimitBench(): Promise<void> {
  const redis = await benchRedis();
  const peerClient = new Redis(redis.url, { enableAutoPipelining: true });
  const peer = new RateLimiterRedis({ storeClient: peerClient, keyPrefix: 'rlflx', points: HIGH, duration: WINDOW_S });
  const peerRefusing = new RateLimiterRedis({ storeClient: peerClient, keyPrefix: 'rlflx-low', points: 10, duration: WINDOW_S });
  const { limiter: ours, close } = await limiter(redis.url);

  const policies = Object.fromEntries(
    RATE_LIMIT_ALGORITHMS.map((algorithm) => [algorithm, { name: algorithm, limit: HIGH, window: WINDOW_S * 1000, algorithm } satisfies RateLimitPolicy]),
  );
  const admitted = await compare({
    'rate-limiter-flexible RateLimiterRedis': () => peer.consume(key()),
    ...Object.fromEntries(RATE_LIMIT_ALGORITHMS.map((a) => [`rediskit ${a}`, () => ours.consume(key(), policies[a])])),
  });
  report(
    'rate-limit: admitted checks, 100 concurrent callers, 1000 keys',
    admitted,
    'rate-limiter-flexible RateLimiterRedis',
    Object.fromEntries(RATE_LIMIT_ALGORITHMS.map((a) => [`rediskit ${a}`, '≥ 1.20×'])),
  );
  console.log(`fixed window ratio: ${ratio(admitted, 'rediskit fixed-window', 'rate-limiter-flexible RateLimiterRedis').toFixed(2)}×\n`);

  // Over the limit: rate-limiter-flexible rejects its promise, rediskit returns allowed: false.
  const low: RateLimitPolicy = { name: 'low', limit: 10, window: WINDOW_S * 1000 };
  const refused = await compare(
    {
      'rate-limiter-flexible RateLimiterRedis': () => peerRefusing.consume(key()).catch(() => undefined),
      'rediskit fixed-window': () => ours.consume(key(), low),
    },
    { rounds: 3 },
  );
  report('rate-limit: refused checks (limit 10/min, 1000 keys)', refused, 'rate-limiter-flexible RateLimiterRedis');

  peerClient.disconnect();
  await close();
  await redis.stop();
}
