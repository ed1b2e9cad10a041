// The app `http.bench.ts` measures, in a process of its own so autocannon does not share its
// event loop. Started with REDIS_URL; prints nothing, sends { port } over IPC when listening.
import 'reflect-metadata';
import { CacheInterceptor, CacheModule, CacheTTL } from '@nestjs/cache-manager';
import { Controller, Get, Module, UseInterceptors } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { createKeyv } from '@keyv/redis';
import { CacheResponse, RedisModule, ResponseCacheInterceptor } from 'nestjs-rediskit';
import { serveBenchApp } from '../http-harness.js';
import { PAYLOAD } from './payload.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

@Controller()
class BenchController {
  /** No cache, answers at once. */
  @Get('bare')
  bare() {
    return PAYLOAD;
  }

  /** Ours, on the same 20 ms handler. */
  @UseInterceptors(ResponseCacheInterceptor)
  @CacheResponse({ ttl: '10m', tags: ['products'] })
  @Get('rediskit')
  async rediskit() {
    await sleep(20);
    return PAYLOAD;
  }

  /** @nestjs/cache-manager's CacheInterceptor (cache-manager 7, Keyv over @keyv/redis), same handler. */
  @UseInterceptors(CacheInterceptor)
  @CacheTTL(600_000)
  @Get('cache-manager')
  async cacheManager() {
    await sleep(20);
    return PAYLOAD;
  }
}

@Module({
  imports: [
    // earlyHits: fresh memory hits of eligible routes are answered before Nest's pipeline (docs/http-cache.md).
    RedisModule.forRoot({ connection: { url: process.env.REDIS_URL! }, keyspace: { prefix: 'bench-http' }, httpCache: { earlyHits: true } }),
    CacheModule.register({ stores: [createKeyv(process.env.REDIS_URL!, { namespace: 'bench-http-cm' })], ttl: 600_000 }),
  ],
  controllers: [BenchController],
})
class BenchModule {}

const app = process.env.ADAPTER === 'fastify' ? await NestFactory.create(BenchModule, new FastifyAdapter(), { logger: false }) : await NestFactory.create(BenchModule, { logger: false });
await serveBenchApp(app);
