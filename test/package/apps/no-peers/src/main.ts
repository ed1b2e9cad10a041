import 'reflect-metadata';
import { Controller, Get, HttpCode, Module, Param, Post, type CallHandler, type ExecutionContext } from '@nestjs/common';
import { APP_INTERCEPTOR, NestFactory } from '@nestjs/core';
import { CacheResponse, CacheService, InvalidationService, RedisHealthIndicator, RedisModule, ResponseCacheInterceptor } from 'nestjs-rediskit';

// Counts the requests of /catalog that reach the response cache's interceptor (an early hit
// does not), on the class itself: a subclass overriding intercept() is never answered early.
let reached = 0;
const intercept = ResponseCacheInterceptor.prototype.intercept;
ResponseCacheInterceptor.prototype.intercept = function (this: ResponseCacheInterceptor, context: ExecutionContext, next: CallHandler) {
  if (context.getHandler().name === 'catalog') reached++;
  return intercept.call(this, context, next);
};

/**
 * A cache-only app: none of the optional peers (terminus, throttler, prom-client,
 * express-session, @nestjs/event-emitter) is installed.
 */
@Controller()
class CacheController {
  private loads = 0;

  constructor(
    private readonly cache: CacheService,
    private readonly redis: RedisHealthIndicator,
    private readonly invalidation: InvalidationService,
  ) {}

  @Get('products/:id')
  product(@Param('id') id: string) {
    return this.cache.getOrSet(`product:${id}`, async () => ({ id, load: ++this.loads }), { ttl: '1m', tags: [`product:${id}`] });
  }

  /** The rule of `product.changed` (module options) invalidates the product's tag. */
  @Post('products/:id/changed')
  @HttpCode(200)
  changed(@Param('id') id: string) {
    return this.invalidation.emit('product.changed', { id });
  }

  @Get('catalog')
  @CacheResponse({ ttl: '1m' })
  catalog() {
    return { at: Math.random() };
  }

  /** Requests of /catalog that reached the response cache's interceptor. */
  @Get('intercepted')
  intercepted() {
    return { reached };
  }

  @Get('health')
  health() {
    return this.redis.isHealthy('redis');
  }

  @Get('runtime')
  runtime() {
    return { node: process.versions.node };
  }

  /** What loading each subpath does here: 'loaded', or the error's message. */
  @Get('subpaths')
  async subpaths() {
    const load = (specifier: string) => import(specifier).then(() => 'loaded', (e: Error) => e.message);
    return { expressSession: await load('nestjs-rediskit/express-session'), throttler: await load('nestjs-rediskit/throttler'), prisma: await load('nestjs-rediskit/prisma') };
  }
}

@Module({
  imports: [
    RedisModule.forRoot({
      connection: { url: process.env.REDIS_URL! },
      invalidation: { rules: [{ on: 'product.changed', tags: (e: { id: string }) => [`product:${e.id}`] }] },
      httpCache: { earlyHits: true },
    }),
  ],
  controllers: [CacheController],
  providers: [{ provide: APP_INTERCEPTOR, useClass: ResponseCacheInterceptor }],
})
class AppModule {}

const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
app.enableShutdownHooks();
await app.listen(Number(process.env.PORT), '127.0.0.1');
console.log(`listening on ${await app.getUrl()}`);
