import { ConflictException, ForbiddenException, Injectable, NotFoundException } from '@nestjs/common';
import { CacheService, HttpCacheService, isVerifiedAt, LockService, type Session } from 'nestjs-rediskit';
import { STEP_UP_FACTOR, STEP_UP_ORDER_CENTS } from '../auth/auth.constants.js';
import { CatalogService } from '../catalog/catalog.service.js';
import { NotificationsService } from '../notifications/notifications.service.js';
import type { OrderDto } from './order.dto.js';
import { OrdersRepository } from './orders.repository.js';

/** The lock that serializes checkouts of one product, across every app instance. */
export const productLock = (productId: number) => `product:${productId}`;

/** Checkout: reserve stock under a distributed lock, write with its fencing token, notify. */
@Injectable()
export class OrdersService {
  constructor(
    private readonly orders: OrdersRepository,
    private readonly catalog: CatalogService,
    private readonly locks: LockService,
    private readonly cache: CacheService,
    private readonly httpCache: HttpCacheService,
    private readonly notifications: NotificationsService,
  ) {}

  /**
   * Places an order. Orders of one product run one at a time (waiting up to 3 s for the
   * lock); the stock update carries the lock's fencing token so a holder that lost its lease
   * midway cannot write after its successor. Big orders need a fresh step-up verification.
   */
  async place(session: Session, productId: number, quantity: number): Promise<OrderDto> {
    const product = await this.catalog.get(productId);
    if (product.priceCents * quantity >= STEP_UP_ORDER_CENTS && !isVerifiedAt(session, STEP_UP_FACTOR)) {
      throw new ForbiddenException({
        statusCode: 403,
        error: 'STEP_UP_REQUIRED',
        message: `Orders of €${STEP_UP_ORDER_CENTS / 100} or more need a step-up verification (POST /auth/verify)`,
        factors: [STEP_UP_FACTOR],
      });
    }
    const order = await this.locks.withLock(productLock(productId), (_signal, lock) => this.reserve(lock.fencingToken, Number(session.userId), productId, quantity), {
      ttl: '5s',
      retry: { attempts: Infinity, delay: 25, maxWait: '3s' },
    });
    await this.afterOrder(session.userId, order);
    return order;
  }

  /**
   * The fenced write on its own (what `place` runs inside the lock). Throws 409 `STALE_LOCK`
   * when `fencingToken` is older than the last token that wrote the product.
   */
  async reserve(fencingToken: number | string, userId: number, productId: number, quantity: number): Promise<OrderDto> {
    const result = await this.orders.reserve(userId, productId, quantity, fencingToken);
    if (result === 'not-found') throw new NotFoundException(`product ${productId} does not exist`);
    if (result === 'sold-out') throw new ConflictException({ statusCode: 409, error: 'SOLD_OUT', message: 'Not enough stock left' });
    if (result === 'stale-fence') {
      throw new ConflictException({ statusCode: 409, error: 'STALE_LOCK', message: 'The lock was lost before the write: a newer holder already wrote this product' });
    }
    return result;
  }

  list(userId: number): Promise<OrderDto[]> {
    return this.orders.listForUser(userId);
  }

  // Stock changed: drop cached product data and cached order queries, tell the buyer and, when
  // the last unit went, everyone.
  private async afterOrder(userId: string, order: OrderDto): Promise<void> {
    const tags = ['products', `product:${order.productId}`];
    await Promise.all([this.cache.invalidateTags(tags), this.cache.invalidateModel('orders'), this.httpCache.invalidateTags(tags)]);
    await this.notifications.orderPlaced(userId, order);
    if (order.stockLeft === 0) await this.notifications.soldOut(order.productId, order.productName);
  }
}
