import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { CacheService, RedisModule, RedisRegistry, type CacheOptions, type RedisConnectionOptions, type RedisModuleOptions } from 'nestjs-rediskit';

/** One Nest app with RedisModule and its CacheService, as an app instance would have. */
export interface CacheApp {
  app: INestApplication;
  cache: CacheService;
  registry: RedisRegistry;
  close(): Promise<void>;
}

export async function startCacheApp(
  connection: RedisConnectionOptions,
  cache: CacheOptions = {},
  extra: Partial<RedisModuleOptions> & { providers?: unknown[] } = {},
): Promise<CacheApp> {
  const { providers = [], ...options } = extra;
  const moduleRef = await Test.createTestingModule({
    imports: [RedisModule.forRoot({ connection: { connectTimeout: 2000, commandTimeout: 1000, maxRetriesPerRequest: 1, ...connection } as RedisConnectionOptions, keyspace: { prefix: 'ct', app: 'cache' }, ...options, cache })],
    providers: providers as never[],
  }).compile();
  const app = await moduleRef.createNestApplication({ logger: false }).init();
  return { app, cache: app.get(CacheService), registry: app.get(RedisRegistry), close: () => app.close() };
}

/** Resolves when `check` is true (polling), or fails after `timeout`. */
export async function eventually(check: () => boolean | Promise<boolean>, timeout = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}
