// The apps `request-cache.bench.ts` measures, in a process of their own, all answering the same
// bare endpoint that never uses the request cache. CONTEXT=off: a plain Nest app; context: the
// same app with only the request context installed (its middleware, AsyncLocalStorage);
// module: the same app importing RedisModule (the context, plus the module's connections).
import 'reflect-metadata';
import { Controller, Get, Module, type DynamicModule } from '@nestjs/common';
import { HttpAdapterHost, NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { RedisModule } from 'nestjs-rediskit';
import { installRequestContext } from '../../libs/rediskit/src/context/request-context.middleware.js';
import { serveBenchApp } from '../http-harness.js';
import { PAYLOAD } from './payload.js';

const mode = process.env.CONTEXT as 'off' | 'context' | 'module';

@Controller()
class BareController {
  @Get('bare')
  bare() {
    return PAYLOAD;
  }
}

const imports: DynamicModule[] = mode === 'module' ? [RedisModule.forRoot({ connection: { url: process.env.REDIS_URL! }, keyspace: { prefix: 'bench-reqctx' } })] : [];

@Module({ imports, controllers: [BareController] })
class BenchModule {
  constructor(private readonly host: HttpAdapterHost) {}

  configure(): void {
    if (mode === 'context') installRequestContext(this.host.httpAdapter);
  }
}

const app = process.env.ADAPTER === 'fastify' ? await NestFactory.create(BenchModule, new FastifyAdapter(), { logger: false }) : await NestFactory.create(BenchModule, { logger: false });
await serveBenchApp(app);

// In-process requests (Fastify's inject: no sockets, no autocannon), one after another: the
// CPU time per request of this process alone, far steadier than requests/s on a busy machine.
process.on('message', async (m: { inject?: number }) => {
  if (!m.inject) return;
  const fastify = (app.getHttpAdapter() as FastifyAdapter).getInstance();
  const start = process.cpuUsage();
  for (let i = 0; i < m.inject; i++) {
    const res = await fastify.inject({ method: 'GET', url: '/bare', headers: { 'x-request-id': `bench-${i}` } });
    if (res.statusCode !== 200) throw new Error(`/bare answered ${res.statusCode}`);
  }
  const used = process.cpuUsage(start);
  process.send!({ injectCpuUs: (used.user + used.system) / m.inject });
});
