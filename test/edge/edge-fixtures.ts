import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { RedisModule, type EdgeOptions, type RedisConnectionOptions, type RedisModuleOptions } from 'nestjs-rediskit';

/** The API token of every test: it must never show up in an error, a log line or a metric. */
export const TOKEN = 'tok-SECRET-4f9c2a';

/** Fast retries, so a test never waits for the production backoff. */
export const QUICK_RETRY = { attempts: 4, minDelay: 5, maxDelay: 50 };

/** Boots a Nest app with RedisModule and an `edge` section. */
export async function bootEdge(connection: RedisConnectionOptions, edge: EdgeOptions, more: Partial<RedisModuleOptions> = {}): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [RedisModule.forRoot({ connection, keyspace: { prefix: `edge${Math.random().toString(36).slice(2, 8)}` }, cache: {}, httpCache: {}, ...more, edge })],
  }).compile();
  return moduleRef.createNestApplication({ logger: false }).init();
}

/** Waits one macrotask turn, so the purger's tick batch has left. */
export const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
