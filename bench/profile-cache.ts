// Profiling aid (not a suite): node --cpu-prof --import @swc-node/register/esm-register bench/profile-cache.ts <l2|miss|l1>
import 'reflect-metadata';
import { CacheService, Codec, Keyspace, MetricsService, RedisRegistry } from 'nestjs-rediskit';
import { benchRedis } from './harness.js';

const mode = process.argv[2] ?? 'l2';
const redis = await benchRedis();
const registry = await RedisRegistry.connect({ connection: { url: redis.url } });
const cache = await CacheService.create(registry, new Keyspace({ prefix: 'prof' }), new Codec(), await MetricsService.create(), { defaultTtl: '10m', l1: mode === 'l2' ? false : {} });
const value = { id: 42, name: 'Ada Lovelace', email: 'ada@example.com', roles: ['admin', 'author'], profile: { bio: 'Mathematician and writer, known for her work on the Analytical Engine.', active: true, score: 98.5 }, createdAt: '2024-01-01T00:00:00.000Z', tags: ['math', 'engines', 'poetry'], counters: { posts: 12, followers: 1024 } };
await cache.set('k', value);
let n = 0;
let ops = 0;
const op = mode === 'miss' ? () => cache.getOrSet(`m:${++n}`, async () => value) : () => cache.get('k');
const end = performance.now() + 4000;
await Promise.all(Array.from({ length: 100 }, async () => { while (performance.now() < end) { await op(); ops++; } }));
console.log(mode, Math.round(ops / 4), 'ops/s');
await cache.beforeApplicationShutdown();
await registry.onApplicationShutdown();
await redis.stop();
process.exit(0);
