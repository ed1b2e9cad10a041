import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  CacheService,
  LockService,
  PubSubService,
  RateLimiterService,
  RedisModule,
  RedisRegistry,
  RediskitError,
  SessionService,
  type RedisConnectionOptions,
} from 'nestjs-rediskit';

/** Every call of the fault suites settles within this budget, plus the margins below. */
export const BUDGET = 300;

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

/**
 * How `call` settled: its value, or the error it rejected with. A call that has not settled
 * after `BUDGET` plus a generous margin for a loaded machine fails the test: it would be
 * waiting for retries (a liveness check, not a speed measurement).
 */
export async function settled<T>(call: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`a call did not settle within ${BUDGET} ms + 5 s`)), BUDGET + 5000);
  });
  try {
    return await Promise.race([call.then((value) => ({ value }), (error: unknown) => ({ error })), hung]);
  } finally {
    clearTimeout(timer);
  }
}

/** The error of a call that must reject, checked to be a `RediskitError` (never a client internal). */
export async function rediskitErrorOf(call: Promise<unknown>): Promise<RediskitError> {
  const { error } = await settled(call);
  if (!(error instanceof RediskitError)) throw new Error(`expected a RediskitError, got ${error === undefined ? 'a value' : String(error)}`);
  return error;
}
