import { Injectable, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { MetricsService, OnMessage, PubSubService, RedisModule, type Envelope, type MessageContext, type RedisModuleOptions } from 'nestjs-rediskit';
import { waitFor } from '../harness/index.js';

/** A provider whose @OnMessage methods record what they received. */
@Injectable()
export class Listener {
  readonly orders: Envelope<{ n: number }>[] = [];
  readonly patterned: { message: Envelope; context: MessageContext }[] = [];
  readonly refunds: Envelope[] = [];
  readonly broadcasts: Envelope[] = [];

  @OnMessage('orders')
  onOrder(message: Envelope<{ n: number }>): void {
    this.orders.push(message);
  }

  @OnMessage({ channel: 'refunds' }, { type: 'refund.created' })
  onRefund(message: Envelope): void {
    this.refunds.push(message);
  }

  @OnMessage({ broadcast: true })
  onBroadcast(message: Envelope): void {
    this.broadcasts.push(message);
  }
}

/** Like {@link Listener} plus a pattern handler (not available with sharded pub/sub). */
@Injectable()
export class PatternListener extends Listener {
  @OnMessage('audit:*')
  onAudit(message: Envelope, context: MessageContext): void {
    this.patterned.push({ message, context });
  }
}

/** Boots a Nest app with RedisModule and the given providers. */
export async function bootApp(options: RedisModuleOptions, providers: any[] = []): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({ imports: [RedisModule.forRoot(options)], providers }).compile();
  return moduleRef.createNestApplication({ logger: false }).init();
}

/** The value of one metric sample in the app's Prometheus text (0 when absent). */
export async function metric(app: INestApplication, sample: string): Promise<number> {
  const text = await app.get(MetricsService).text();
  const line = text.split('\n').find((l) => l.startsWith(sample + ' '));
  return line ? Number(line.slice(sample.length + 1)) : 0;
}

/** Publishes `channel` messages from `from` until `received()` is true (Redis may still be coming back). */
export async function publishUntil(from: INestApplication, channel: string, received: () => boolean, timeout = 20_000): Promise<void> {
  const pubsub = from.get(PubSubService);
  let n = 0;
  await waitFor(
    async () => {
      await pubsub.publish(channel, { n: ++n }).catch(() => undefined);
      return received();
    },
    timeout,
    `a message on "${channel}" to arrive`,
    100,
  );
}
