import type { INestApplication } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { Test } from '@nestjs/testing';
export { eventually } from '../cache/cache-app.js';
import { CacheService, InvalidationService, MetricsService, RedisModule, type InvalidationOptions, type RedisConnectionOptions } from 'nestjs-rediskit';

/** One app instance with RedisModule (and, with `emitter`, EventEmitterModule). */
export interface InvalidationApp {
  app: INestApplication;
  cache: CacheService;
  invalidation: InvalidationService;
  metricsText(): Promise<string>;
  close(): Promise<void>;
}

export async function startInvalidationApp(
  connection: RedisConnectionOptions,
  invalidation: InvalidationOptions = {},
  { emitter = false, prefix = 'inv' }: { emitter?: boolean; prefix?: string } = {},
): Promise<InvalidationApp> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      ...(emitter ? [EventEmitterModule.forRoot()] : []),
      RedisModule.forRoot({
        connection: { connectTimeout: 2000, commandTimeout: 500, maxRetriesPerRequest: 1, reconnect: { baseDelay: 20, maxDelay: 100 }, ...connection } as RedisConnectionOptions,
        circuitBreaker: { failureThreshold: 3, recoveryTimeout: 200 },
        keyspace: { prefix },
        invalidation,
      }),
    ],
  }).compile();
  const app = await moduleRef.createNestApplication({ logger: false }).init();
  const metrics = app.get(MetricsService);
  return { app, cache: app.get(CacheService), invalidation: app.get(InvalidationService), metricsText: () => metrics.text(), close: () => app.close() };
}

/** A metric's value in the Prometheus text (0 when absent). */
export function metric(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`rediskit_${name}${labels ? `{${labels}}` : ''} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

/** What a topology gives the shared behaviour. */
export interface InvalidationTopology {
  connection(): import('nestjs-rediskit').RedisConnectionOptions;
  /** Redis becomes unreachable (stopped). */
  stop(): Promise<void>;
  /** The same Redis back (no data kept), ready for commands. */
  restart(): Promise<void>;
  /** SIGSTOP every server: connections stay open, nothing answers. */
  hang(): void;
  wake(): void;
}
