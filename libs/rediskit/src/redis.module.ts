import { ConfigurableModuleBuilder, Inject, Module, type DynamicModule, type NestModule, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { installRequestContext } from './context/request-context.middleware.js';
import { releaseRequestContexts } from './context/request-context.js';
import { RequestContextDemand } from './context/request-context.demand.js';
import { Codec } from './codec/codec.js';
import { getRedisToken } from './connection/inject-redis.decorator.js';
import { DEFAULT_CONNECTION } from './options/redis-module-options.js';
import { RedisRegistry } from './connection/redis.registry.js';
import { Keyspace } from './keyspace/keyspace.js';
import { MetricsService } from './metrics/metrics.service.js';
import { validateModuleOptions } from './redis-module.validation.js';
import { CAPABILITIES } from './capabilities.js';
import type { RedisModuleOptions } from './options/redis-module-options.js';
import { REDIS_MODULE_OPTIONS } from './redis.constants.js';
import { metricsProviders } from './metrics/metrics.providers.js';
import { Tracing } from './tracing/tracing.js';

const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN, OPTIONS_TYPE, ASYNC_OPTIONS_TYPE } =
  new ConfigurableModuleBuilder<RedisModuleOptions>({ moduleName: 'Redis' })
    .setClassMethodName('forRoot')
    .setExtras<{ isGlobal: boolean; connectionNames: string[] }>(
      { isGlobal: true, connectionNames: [] },
      (definition, extras) => ({ ...definition, global: extras.isGlobal }),
    )
    .build();

/** Options of `RedisModule.forRoot` (module options plus `isGlobal`). */
export type RedisModuleSyncOptions = typeof OPTIONS_TYPE;
/**
 * Options of `RedisModule.forRootAsync`: `imports`, `inject`, `useFactory` | `useClass` |
 * `useExisting`, `isGlobal`, and `connectionNames` (the named connections to inject with
 * `@InjectRedis(name)`, since the options are not known when providers are declared).
 */
export type RedisModuleAsyncOptions = typeof ASYNC_OPTIONS_TYPE;

const coreProviders: Provider[] = [
  { provide: REDIS_MODULE_OPTIONS, useFactory: (options: RedisModuleOptions) => validateModuleOptions(options), inject: [MODULE_OPTIONS_TOKEN] },
  { provide: RedisRegistry, useFactory: RedisRegistry.connect, inject: [REDIS_MODULE_OPTIONS] },
  { provide: Keyspace, useFactory: (o: RedisModuleOptions) => new Keyspace(o.keyspace), inject: [REDIS_MODULE_OPTIONS] },
  // The inflation bound follows the cache's maxValueSize unless set: a value the cache accepts stays readable.
  { provide: Codec, useFactory: (o: RedisModuleOptions) => new Codec({ ...o.codec, maxInflatedSize: o.codec?.maxInflatedSize ?? o.cache?.maxValueSize }), inject: [REDIS_MODULE_OPTIONS] },
  { provide: MetricsService, useFactory: (o: RedisModuleOptions) => MetricsService.create(o.metrics), inject: [REDIS_MODULE_OPTIONS] },
  ...metricsProviders,
  { provide: Tracing, useFactory: (o: RedisModuleOptions) => Tracing.create(o.tracing), inject: [REDIS_MODULE_OPTIONS] },
  RequestContextDemand,
];

/** The capabilities' providers (capabilities.ts); each is injectable wherever the module is visible. */
const capabilityProviders: Provider[] = CAPABILITIES.flatMap((capability) => capability.providers);

function clientProviders(names: Iterable<string>): Provider[] {
  return [...new Set(names)].map((name) => ({
    provide: getRedisToken(name),
    useFactory: (registry: RedisRegistry) => registry.get(name).client,
    inject: [RedisRegistry],
  }));
}

/**
 * Production-grade Redis for Nest in one import. Global by default (`isGlobal: false` to
 * scope it). Options are validated at boot; boot waits until every configured connection is
 * ready and fails with `RediskitConnectionError` otherwise. A capability's own connection
 * (cache bus, rate limiter, pub/sub subscriber) opens at boot when its options section is
 * present, else on first use: a bare `forRoot({ connection })` opens one connection. HTTP
 * requests run in a request context (its `X-Request-Id`, its per-request memory) when the
 * application uses the request cache or sets `requestContext: true`.
 *
 * @example
 * RedisModule.forRootAsync({ imports: [ConfigModule], inject: [ConfigService],
 *   useFactory: (config: ConfigService) => ({ connection: { url: config.get('REDIS_URL') } }) })
 */
@Module({})
export class RedisModule extends ConfigurableModuleClass implements NestModule, OnApplicationShutdown {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(REDIS_MODULE_OPTIONS) private readonly options: RedisModuleOptions,
    private readonly contextDemand: RequestContextDemand,
  ) {
    super();
  }

  /**
   * HTTP requests run in a request context (their id, their per-request memory:
   * docs/request-cache.md) when the options ask for it or a capability does. Nest calls this
   * after every provider was created and before it registers the routes, and only for an HTTP
   * application (a microservice or an application context has no adapter).
   */
  configure(): void {
    if (this.options.requestContext ?? this.contextDemand.wanted) installRequestContext(this.adapterHost.httpAdapter);
  }

  onApplicationShutdown(): void {
    releaseRequestContexts();
  }

  static override forRoot(options: RedisModuleSyncOptions): DynamicModule {
    return this.withProviders(super.forRoot(options), Object.keys(options.connections ?? {}));
  }

  static override forRootAsync(options: RedisModuleAsyncOptions): DynamicModule {
    return this.withProviders(super.forRootAsync(options), options.connectionNames ?? []);
  }

  private static withProviders(base: DynamicModule, names: string[]): DynamicModule {
    const providers = [...coreProviders, ...capabilityProviders, ...clientProviders([DEFAULT_CONNECTION, ...names])];
    return {
      ...base,
      providers: [...(base.providers ?? []), ...providers],
      exports: [...(base.exports ?? []), ...providers.map((p) => (typeof p === 'function' ? p : p.provide))],
    };
  }
}
