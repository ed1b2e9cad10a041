import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  CacheService,
  LockService,
  PubSubService,
  RateLimiterService,
  RedisModule,
  RedisRegistry,
  SessionService,
  type RedisConnectionOptions,
} from 'nestjs-rediskit';
import { BUDGET } from '../harness/capability-fixtures.js';

// Every call of the fault suites settles within BUDGET (a call not settled after it, plus a
// margin for a loaded machine, fails the test: a liveness check, not a speed measurement).
export { BUDGET, rediskitErrorOf, settled } from '../harness/capability-fixtures.js';

/** One app instance with every capability configured, short budgets and a fast breaker. */
export interface FaultApp {
  app: INestApplication;
  cache: CacheService;
  sessions: SessionService;
  locks: LockService;
  limiter: RateLimiterService;
  pubsub: PubSubService;
  registry: RedisRegistry;
  close(): Promise<void>;
}

export async function startFaultApp(connection: RedisConnectionOptions): Promise<FaultApp> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      RedisModule.forRoot({
        connection: { connectTimeout: 2000, commandTimeout: BUDGET, ...connection } as RedisConnectionOptions,
        keyspace: { prefix: 'ft' },
        circuitBreaker: { failureThreshold: 3, recoveryTimeout: 100 },
        cache: {},
        session: {},
        lock: { retry: { attempts: 0 } },
        rateLimit: { failure: 'open' },
        pubsub: {},
      }),
    ],
  }).compile();
  const app = await moduleRef.createNestApplication({ logger: false }).init();
  return {
    app,
    cache: app.get(CacheService),
    sessions: app.get(SessionService),
    locks: app.get(LockService),
    limiter: app.get(RateLimiterService),
    pubsub: app.get(PubSubService),
    registry: app.get(RedisRegistry),
    close: () => app.close(),
  };
}
