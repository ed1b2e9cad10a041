import { Injectable } from '@nestjs/common';
import { RequestCached } from 'nestjs-rediskit';
import { Database } from '../database/database.js';
import type { ProductDto, UpdateProductDto } from './product.dto.js';

interface ProductRow {
  id: number;
  name: string;
  description: string;
  price_cents: number;
  stock: number;
  updated_at: Date | string;
}

const COLUMNS = 'id, name, description, price_cents, stock, updated_at';

function toDto(row: ProductRow): ProductDto {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    priceCents: row.price_cents,
    stock: row.stock,
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

/** Products in PostgreSQL. Reads here are what the cache saves. */
@Injectable()
export class ProductsRepository {
  /** How many queries reached the database (the page and the tests show the cache saving them). */
  queries = 0;

  constructor(private readonly db: Database) {}

  async list(): Promise<ProductDto[]> {
    this.queries++;
    const { rows } = await this.db.query<ProductRow>(`SELECT ${COLUMNS} FROM products ORDER BY id`);
    return rows.map(toDto);
  }

  // A checkout reads the product for its price (catalog) and for its stock (seeding the
  // reservation count): one query per request (docs/request-cache.md).
  @RequestCached()
  async findById(id: number): Promise<ProductDto | null> {
    this.queries++;
    const { rows } = await this.db.query<ProductRow>(`SELECT ${COLUMNS} FROM products WHERE id = $1`, [id]);
    return rows[0] ? toDto(rows[0]) : null;
  }

  /** Units of a product sold so far (an aggregate over orders: what the query cache is for). */
  async unitsSold(productId: number): Promise<number> {
    this.queries++;
    const { rows } = await this.db.query<{ n: number }>('SELECT COALESCE(sum(quantity), 0)::int AS n FROM orders WHERE product_id = $1', [productId]);
    return rows[0].n;
  }

  /** Applies the given fields; null when the product does not exist. */
  async update(id: number, patch: UpdateProductDto): Promise<ProductDto | null> {
    this.queries++;
    const { rows } = await this.db.query<ProductRow>(
      `UPDATE products SET
         name = COALESCE($2, name), description = COALESCE($3, description),
         price_cents = COALESCE($4, price_cents), stock = COALESCE($5, stock), updated_at = now()
       WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, patch.name ?? null, patch.description ?? null, patch.priceCents ?? null, patch.stock ?? null],
    );
    return rows[0] ? toDto(rows[0]) : null;
  }
}
