import { Module } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { RateLimitGuard, RedisModule, ResponseCacheInterceptor, SessionGuard, redisOptionsFromEnv } from 'nestjs-rediskit';
import { HealthController } from './health.controller.js';
import { ShopController } from './shop.controller.js';
import { ShopService } from './shop.service.js';

@Module({
  imports: [
    RedisModule.forRootAsync({
      // earlyHits: every GET route is wrapped on the adapter (the global guards keep hits on Nest's pipeline).
      useFactory: () => ({ ...redisOptionsFromEnv(), keyspace: { prefix: 'compat' }, pubsub: {}, rateLimit: {}, httpCache: { earlyHits: true } }),
    }),
    TerminusModule,
  ],
  controllers: [ShopController, HealthController],
  providers: [
    ShopService,
    { provide: APP_GUARD, useClass: SessionGuard },
    { provide: APP_GUARD, useClass: RateLimitGuard },
    { provide: APP_INTERCEPTOR, useClass: ResponseCacheInterceptor },
  ],
})
export class AppModule {}
