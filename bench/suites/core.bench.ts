import { Redis } from 'ioredis';
import { Codec, Keyspace } from 'nestjs-rediskit';
import { RedisConnection } from '../../test/internals.js';
import { benchRedis, compare, report } from '../harness.js';

/**
 * GET + decode through our connection (circuit breaker), keyspace and codec, against raw
 * ioredis GET + JSON.parse with auto-pipelining; same process, same Redis, 100 callers.
 */
export default async function core(): Promise<void> {
  const redis = await benchRedis();
  const value = { id: 42, name: 'Ada Lovelace', email: 'ada@example.com', roles: ['admin', 'author'], profile: { bio: 'x'.repeat(120), active: true } };
  const raw = new Redis(redis.url, { enableAutoPipelining: true });
  const connection = new RedisConnection('bench', { url: redis.url }, {});
  const bare = new RedisConnection('bench-nobreaker', { url: redis.url }, false);
  await Promise.all([connection.connect(5000), bare.connect(5000)]);
  const keyspace = new Keyspace({ prefix: 'bench' });
  const codec = new Codec();
  const key = keyspace.key('core', 'user', 42);
  await raw.set(key, codec.encode(value));

  const results = await compare({
    'raw ioredis GET + JSON.parse': async () => JSON.parse((await raw.get(key))!),
    'rediskit connection + keyspace + codec': async () => codec.decode(await connection.run((c) => c.getBuffer(keyspace.key('core', 'user', 42))), key),
    'rediskit without circuit breaker': async () => codec.decode(await bare.client.getBuffer(keyspace.key('core', 'user', 42)), key),
  });
  report('core: GET + decode, 100 concurrent callers', results, 'raw ioredis GET + JSON.parse', { 'rediskit connection + keyspace + codec': '≥ 0.90×' });
  raw.disconnect();
  await Promise.all([connection.close(), bare.close()]);
  await redis.stop();
}
