import { ConflictException, ForbiddenException, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { CacheService, HttpCacheService, isVerifiedAt, LockService, ReservationService, type Hold, type Session } from 'nestjs-rediskit';
import { STEP_UP_FACTOR, STEP_UP_ORDER_CENTS } from '../auth/auth.constants.js';
import { CatalogService } from '../catalog/catalog.service.js';
import { ProductStock, stockItem } from '../catalog/product-stock.js';
import { NotificationsService } from '../notifications/notifications.service.js';
import type { OrderDto } from './order.dto.js';
import { OrdersRepository } from './orders.repository.js';

/** The lock that serializes checkouts of one product, across every app instance. */
export const productLock = (productId: number) => `product:${productId}`;

/** How long a checkout may hold units before they go back to the shelf by themselves. */
const HOLD_TTL = '1m';

const soldOut = () => new ConflictException({ statusCode: 409, error: 'SOLD_OUT', message: 'Not enough stock left' });

/**
 * Checkout: hold the units in Redis (`ReservationService`), write the order under a
 * distributed lock with its fencing token, confirm the hold, notify.
 */
@Injectable()
export class OrdersService {
  private readonly logger = new Logger(OrdersService.name);

  constructor(
    private readonly orders: OrdersRepository,
    private readonly catalog: CatalogService,
    private readonly locks: LockService,
    private readonly cache: CacheService,
    private readonly httpCache: HttpCacheService,
    private readonly notifications: NotificationsService,
    private readonly reservations: ReservationService,
    private readonly stock: ProductStock,
  ) {}

  /**
   * Places an order. The units are held in Redis first, so buyers beyond the last unit are
   * turned away (409 SOLD_OUT) before they reach the database, whatever number of instances
   * serve them; the hold is confirmed after the write commits and released when it fails (or
   * expires by itself if this instance dies meanwhile). Orders of one product then write one
   * at a time (waiting up to 3 s for the lock); the stock update carries the lock's fencing
   * token so a holder that lost its lease midway cannot write after its successor, and keeps
   * its own stock check, the last word. Big orders need a fresh step-up verification.
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
    const hold = await this.holdStock(productId, quantity);
    let order: OrderDto;
    try {
      order = await this.locks.withLock(productLock(productId), (_signal, lock) => this.reserve(lock.fencingToken, Number(session.userId), productId, quantity), {
        ttl: '5s',
        retry: { attempts: Infinity, delay: 25, maxWait: '3s' },
      });
    } catch (error) {
      // Not written: the units go back at once (if Redis is away, the hold expires instead).
      await this.reservations.release(hold.id).catch((e: Error) => this.logger.warn(`hold ${hold.item} not released: ${e.message}`));
      throw error;
    }
    // Written: the sale is final. Should the confirm fail, the hold expires and Redis counts the
    // units again although the database sold them; the SQL stock check still refuses them.
    const outcome = await this.reservations.confirm(hold.id).catch((e: Error) => e.message);
    if (outcome !== 'confirmed') this.logger.warn(`order ${order.id}: hold on ${hold.item} not confirmed (${outcome})`);
    await this.afterOrder(session.userId, order);
    return order;
  }

  // Holds the units for this checkout; a refusal is SOLD_OUT. Redis is seeded from the
  // database when it has no count for the product yet, then asked again.
  private async holdStock(productId: number, quantity: number): Promise<Hold> {
    const reserve = () => this.reservations.reserve(stockItem(productId), quantity, { holdTtl: HOLD_TTL });
    const hold = (await reserve()) ?? ((await this.stock.seed(productId)) ? await reserve() : null);
    if (!hold) throw soldOut();
    return hold;
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
