import { Injectable } from '@nestjs/common';
import { ReservationService } from 'nestjs-rediskit';
import { ProductsRepository } from './products.repository.js';

/** The `ReservationService` item that counts a product's stock. */
export const stockItem = (productId: number) => `product:${productId}`;

/**
 * Keeps the stock `ReservationService` counts in step with the database, which stays the
 * record: Redis is seeded from it when it has no count for a product (first checkout, or after
 * Redis lost its data) and follows an operator's edit.
 */
@Injectable()
export class ProductStock {
  constructor(
    private readonly reservations: ReservationService,
    private readonly products: ProductsRepository,
  ) {}

  /**
   * Writes the database's stock into Redis unless Redis already counts the product (`ifMissing`:
   * every instance may do it at once, and a live count is never overwritten). True when written.
   */
  async seed(productId: number): Promise<boolean> {
    const product = await this.products.findById(productId);
    return !!product && (await this.reservations.setStock(stockItem(productId), product.stock, { ifMissing: true }));
  }

  /** An operator set the stock: units on hand, those held by checkouts in progress included. */
  async set(productId: number, stock: number): Promise<void> {
    await this.reservations.setStock(stockItem(productId), stock);
  }
}
