// The apps `request-cache.bench.ts` measures, in a process of their own, all answering the same
// bare endpoint that never uses the request cache. CONTEXT=off: a plain Nest app; module: the
// same app importing RedisModule (which installs no request context: the app does not use the
// request cache); context: RedisModule with `requestContext: true`. FOREIGN=1 adds what
// OpenTelemetry's HTTP instrumentation does on every request: enter its context
// (AsyncLocalStorage), so the process already pays for AsyncLocalStorage.
import 'reflect-metadata';
import { Controller, Get, Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { context, createContextKey, ROOT_CONTEXT } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { RedisModule } from 'nestjs-rediskit';
import { serveBenchApp } from '../http-harness.js';
import { PAYLOAD } from './payload.js';

const mode = process.env.CONTEXT as 'off' | 'module' | 'context';
const foreign = process.env.FOREIGN === '1';

@Controller()
class BareController {
  @Get('bare')
  bare() {
    return PAYLOAD;
  }
}

const redis = (requestContext?: boolean) => RedisModule.forRoot({ connection: { url: process.env.REDIS_URL! }, keyspace: { prefix: 'bench-reqctx' }, requestContext });
const imports: DynamicModule[] = mode === 'off' ? [] : [redis(mode === 'context' ? true : undefined)];

@Module({ imports, controllers: [BareController] })
class BenchModule {}

const fastify = process.env.ADAPTER === 'fastify';
const app = fastify ? await NestFactory.create(BenchModule, new FastifyAdapter(), { logger: false }) : await NestFactory.create(BenchModule, { logger: false });
if (foreign) {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const REQUEST = createContextKey('bench request');
  const enter = (req: unknown, next: () => void) => context.with(ROOT_CONTEXT.setValue(REQUEST, req), next);
  if (fastify) (app.getHttpAdapter().getInstance() as { addHook(name: 'onRequest', hook: (req: unknown, reply: unknown, done: () => void) => void): void }).addHook('onRequest', (req, _reply, done) => enter(req, done));
  else app.use((req: unknown, _res: unknown, next: () => void) => enter(req, next));
}
await serveBenchApp(app);

// In-process requests (Fastify's inject: no sockets, no autocannon), one after another: the
// CPU time per request of this process alone, far steadier than requests/s on a busy machine.
process.on('message', async (m: { inject?: number }) => {
  if (!m.inject) return;
  const instance = (app.getHttpAdapter() as FastifyAdapter).getInstance();
  const start = process.cpuUsage();
  for (let i = 0; i < m.inject; i++) {
    const res = await instance.inject({ method: 'GET', url: '/bare', headers: { 'x-request-id': `bench-${i}` } });
    if (res.statusCode !== 200) throw new Error(`/bare answered ${res.statusCode}`);
  }
  const used = process.cpuUsage(start);
  process.send!({ injectCpuUs: (used.user + used.system) / m.inject });
});
