import { Body, Controller, HttpCode, InternalServerErrorException, Post, Put, Res, type INestApplication } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { IdempotencyService, Idempotent, MetricsService, RedisModule, type IdempotencyOptions, type RedisConnectionOptions } from 'nestjs-rediskit';

export type AdapterName = 'express' | 'fastify';

/** How many times each handler ran, over every app of the process. */
export const runs: Record<string, number> = {};
const count = (name: string) => (runs[name] = (runs[name] ?? 0) + 1);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Failures the `flaky` route has left to throw, by item. */
export const failuresLeft: Record<string, number> = {};

@Controller()
class PaymentsController {
  @Post('payments')
  @Idempotent()
  pay(@Body() body: { item: string; amount?: number; slow?: number }, @Res({ passthrough: true }) res: any) {
    const n = count(`pay:${body.item}`);
    const answer = () => {
      const location = `/payments/${body.item}-${n}`;
      if (typeof res.header === 'function' && res.raw) res.header('location', location);
      else res.setHeader('location', location);
      return { item: body.item, amount: body.amount ?? 0, n };
    };
    return body.slow ? sleep(body.slow).then(answer) : answer();
  }

  @Put('optional')
  @Idempotent({ required: false, ttl: '1m' })
  optional(@Body() body: { item: string }) {
    return { item: body.item, n: count(`optional:${body.item}`) };
  }

  @Post('flaky')
  @HttpCode(202)
  @Idempotent({ inProgressTtl: '30s' })
  flaky(@Body() body: { item: string }) {
    count(`flaky:${body.item}`);
    if ((failuresLeft[body.item] ?? 0) > 0) {
      failuresLeft[body.item]--;
      throw new InternalServerErrorException('payment provider down');
    }
    return 'accepted ' + body.item;
  }

  @Post('big')
  @Idempotent()
  big(@Body() body: { size: number }) {
    count('big');
    return { data: 'x'.repeat(body.size) };
  }
}

/** `@Idempotent` on the controller and on a route: the route's options win, the interceptor runs once. */
@Controller('refunds')
@Idempotent({ required: false })
class RefundsController {
  @Post()
  @Idempotent({ ttl: '1m', required: true })
  refund(@Body() body: { item: string }) {
    return { item: body.item, n: count(`refund:${body.item}`) };
  }

  @Post('notes')
  note(@Body() body: { item: string }) {
    return { item: body.item, n: count(`note:${body.item}`) };
  }
}

/** An app under test: its Nest app, listening, and its idempotency service. */
export interface IdempotencyApp {
  app: INestApplication;
  server: any;
  service: IdempotencyService;
  metrics: MetricsService;
  close(): Promise<void>;
}

/** Boots an app with the payments controller; `X-User` names the client (the `identify` of these tests). */
export async function bootApp(adapter: AdapterName, connection: RedisConnectionOptions, idempotency: IdempotencyOptions = {}, prefix = 'idem'): Promise<IdempotencyApp> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      RedisModule.forRoot({
        connection: { connectTimeout: 2000, commandTimeout: 1000, maxRetriesPerRequest: 0, reconnect: { baseDelay: 10, maxDelay: 50 }, ...connection } as RedisConnectionOptions,
        keyspace: { prefix },
        circuitBreaker: { failureThreshold: 50, recoveryTimeout: 100 },
        idempotency: { identify: (req: any) => req.headers['x-user'], ...idempotency },
      }),
    ],
    controllers: [PaymentsController, RefundsController],
  }).compile();
  const app =
    adapter === 'fastify'
      ? moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false })
      : moduleRef.createNestApplication<NestExpressApplication>({ logger: false });
  await app.listen(0, '127.0.0.1');
  return { app, server: app.getHttpServer(), service: app.get(IdempotencyService), metrics: app.get(MetricsService), close: () => app.close() };
}

/** A counter's value in the Prometheus text (0 when absent). */
export function counter(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`rediskit_${name}{${labels}} `));
  return line ? Number(line.split(' ')[1]) : 0;
}
