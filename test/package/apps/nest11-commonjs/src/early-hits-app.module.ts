import { Controller, Get, Module, type CallHandler, type ExecutionContext } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { CacheResponse, RedisModule, ResponseCacheInterceptor, redisOptionsFromEnv } from 'nestjs-rediskit';

// Requests of /early-catalog that reach the response cache's interceptor (an early hit does
// not), counted on the class itself: a subclass overriding intercept() is never answered early.
let reached = 0;
const intercept = ResponseCacheInterceptor.prototype.intercept;
ResponseCacheInterceptor.prototype.intercept = function (this: ResponseCacheInterceptor, context: ExecutionContext, next: CallHandler) {
  if (context.getHandler().name === 'earlyCatalog') reached++;
  return intercept.call(this, context, next);
};

@Controller()
class EarlyHitsController {
  @CacheResponse({ ttl: '1m' })
  @Get('early-catalog')
  earlyCatalog() {
    return { at: Math.random() };
  }

  @Get('early-reached')
  reached() {
    return { reached };
  }
}

/** An app without global guards (the shared one has two), so its cached route's hits are answered early. */
@Module({
  imports: [RedisModule.forRoot({ ...redisOptionsFromEnv(), keyspace: { prefix: 'compat-early' }, httpCache: { earlyHits: true } })],
  controllers: [EarlyHitsController],
  providers: [{ provide: APP_INTERCEPTOR, useClass: ResponseCacheInterceptor }],
})
export class EarlyHitsAppModule {}
