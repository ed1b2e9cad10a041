import { Injectable } from '@nestjs/common';
import { CacheService, LockService, OnMessage, PubSubService, type Envelope } from 'nestjs-rediskit';

/** Uses the services a typical app injects: cache with tags, a lock with its fence, pub/sub. */
@Injectable()
export class ShopService {
  loads = 0;
  readonly received: unknown[] = [];

  constructor(
    private readonly cache: CacheService,
    private readonly locks: LockService,
    private readonly pubsub: PubSubService,
  ) {}

  product(id: string): Promise<{ id: string; load: number }> {
    return this.cache.getOrSet(`product:${id}`, async () => ({ id, load: ++this.loads }), { ttl: '1m', tags: [`product:${id}`] });
  }

  async invalidate(id: string): Promise<void> {
    await this.cache.invalidateTags([`product:${id}`]);
  }

  checkout(id: string): Promise<{ fencingToken: number }> {
    return this.locks.withLock(`checkout:${id}`, async (_signal, lock) => ({ fencingToken: Number(lock.fencingToken) }), { ttl: '10s' });
  }

  async publish(text: string): Promise<void> {
    await this.pubsub.publish('compat', { text });
  }

  @OnMessage('compat')
  onMessage(message: Envelope<{ text: string }>): void {
    this.received.push(message.data.text);
  }
}
