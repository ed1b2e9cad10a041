import { Global, Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { APP_GUARD } from '@nestjs/core';
import { RateLimitGuard, RedisModule, SessionGuard } from 'nestjs-rediskit';
import { AuthModule } from './auth/auth.module.js';
import { CatalogModule } from './catalog/catalog.module.js';
import { DEMO_CONFIG, loadDemoConfig, type DemoConfig } from './config/demo.config.js';
import { Database } from './database/database.js';
import { DatabaseModule } from './database/database.module.js';
import { DriversModule } from './drivers/drivers.module.js';
import { NotificationsModule } from './notifications/notifications.module.js';
import { OpsModule } from './ops/ops.module.js';
import { OrdersModule } from './orders/orders.module.js';

/** Makes the parsed {@link DemoConfig} injectable everywhere. */
@Global()
@Module({
  providers: [{ provide: DEMO_CONFIG, inject: [ConfigService], useFactory: (config: ConfigService) => config.getOrThrow<DemoConfig>('demo') }],
  exports: [DEMO_CONFIG],
})
class DemoConfigModule {}

/**
 * The shop. One module per area: auth, catalog, orders, drivers, notifications, ops.
 * Every route needs a session unless marked `@Public()`; rate limits apply where `@RateLimit`
 * says. `env` defaults to `process.env`; tests pass their own.
 */
@Module({})
export class AppModule {
  static forRoot(env: Record<string, string | undefined> = process.env): DynamicModule {
    const config = loadDemoConfig(env);
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [() => ({ demo: config })] }),
        DemoConfigModule,
        RedisModule.forRootAsync({
          inject: [ConfigService, Database],
          useFactory: (c: ConfigService, db: Database) => ({
            ...c.getOrThrow<DemoConfig>('demo').redis,
            // Writes to products by anyone (psql, a price job) drop the cached catalog on every instance.
            databaseInvalidation: { connect: () => db.listener(), tables: ['products'], installTriggers: true },
          }),
        }),
        DatabaseModule,
        AuthModule,
        CatalogModule,
        OrdersModule,
        DriversModule,
        NotificationsModule,
        OpsModule,
      ],
      providers: [
        // Order matters: the session is known before rate limits keyed by user are counted.
        { provide: APP_GUARD, useClass: SessionGuard },
        { provide: APP_GUARD, useClass: RateLimitGuard },
      ],
    };
  }
}
