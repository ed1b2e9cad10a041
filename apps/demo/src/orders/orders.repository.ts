import { Injectable } from '@nestjs/common';
import { Database } from '../database/database.js';
import type { OrderDto } from './order.dto.js';

interface OrderRow {
  id: number;
  user_id: number;
  product_id: number;
  product_name: string;
  quantity: number;
  total_cents: number;
  fence: string;
  stock_left: number;
  created_at: Date | string;
}

/** Why a reservation was refused. */
export type ReserveFailure = 'not-found' | 'sold-out' | 'stale-fence';

function toDto(row: OrderRow): OrderDto {
  return {
    id: row.id,
    productId: row.product_id,
    productName: row.product_name,
    quantity: row.quantity,
    totalCents: row.total_cents,
    fencingToken: String(row.fence),
    stockLeft: row.stock_left,
    createdAt: new Date(row.created_at).toISOString(),
  };
}

/** Orders and stock in PostgreSQL. */
@Injectable()
export class OrdersRepository {
  constructor(private readonly db: Database) {}

  /**
   * Takes `quantity` from stock and records the order in one statement, only if `fence` is
   * greater than the last fencing token that wrote the product. A lock holder whose lease ran
   * out (paused by GC, a slow network) still holds an older token than whoever locked after
   * it, so its late write is refused here even though it believes it holds the lock.
   */
  async reserve(userId: number, productId: number, quantity: number, fence: string | number | bigint): Promise<OrderDto | ReserveFailure> {
    const { rows } = await this.db.query<OrderRow>(
      `WITH reserved AS (
         UPDATE products SET stock = stock - $3, fence = $4::bigint, updated_at = now()
         WHERE id = $2 AND fence < $4::bigint AND stock >= $3
         RETURNING id, name, price_cents, stock
       )
       INSERT INTO orders (user_id, product_id, quantity, total_cents, fence)
       SELECT $1, id, $3, price_cents * $3, $4::bigint FROM reserved
       RETURNING id, user_id, product_id, (SELECT name FROM reserved) AS product_name, quantity, total_cents, fence,
         (SELECT stock FROM reserved) AS stock_left, created_at`,
      [userId, productId, quantity, String(fence)],
    );
    if (rows[0]) return toDto(rows[0]);
    return this.whyRefused(productId, quantity, fence);
  }

  async listForUser(userId: number): Promise<OrderDto[]> {
    const { rows } = await this.db.query<OrderRow>(
      `SELECT o.id, o.user_id, o.product_id, p.name AS product_name, o.quantity, o.total_cents, o.fence, p.stock AS stock_left, o.created_at
       FROM orders o JOIN products p ON p.id = o.product_id WHERE o.user_id = $1 ORDER BY o.id DESC LIMIT 50`,
      [userId],
    );
    return rows.map(toDto);
  }

  /** The highest fencing token each product has seen (to keep Redis' counters ahead of it). */
  async fences(): Promise<{ productId: number; fence: string }[]> {
    const { rows } = await this.db.query<{ id: number; fence: string }>('SELECT id, fence::text AS fence FROM products WHERE fence > 0');
    return rows.map((r) => ({ productId: r.id, fence: r.fence }));
  }

  private async whyRefused(productId: number, quantity: number, fence: string | number | bigint): Promise<ReserveFailure> {
    const { rows } = await this.db.query<{ stock: number; stale: boolean }>('SELECT stock, fence >= $2::bigint AS stale FROM products WHERE id = $1', [productId, String(fence)]);
    if (!rows[0]) return 'not-found';
    if (rows[0].stale) return 'stale-fence';
    return rows[0].stock < quantity ? 'sold-out' : 'stale-fence';
  }
}
