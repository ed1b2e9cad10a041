import { Injectable, NotFoundException } from '@nestjs/common';
import { Cacheable, CacheService, InvalidationService } from 'nestjs-rediskit';
import type { ProductDetailDto, ProductDto, UpdateProductDto } from './product.dto.js';
import { ProductStock } from './product-stock.js';
import { ProductsRepository } from './products.repository.js';

/**
 * Reads and edits the catalog. Product details are cached per product (`@Cacheable`, tagged
 * `products` and `product:<id>`); the sales figure inside them comes from the query cache
 * (`cacheQuery`, tagged `model:orders`), and so does the list. An edit emits `product.updated`:
 * the rule declared in the module options (demo.config.ts) invalidates the product's tags on
 * every instance, even when Redis is briefly away. Orders invalidate by tag, and so do writes
 * to `products` made outside the app (database invalidation); a stock edit also sets the count
 * checkouts reserve against (`ProductStock`).
 */
@Injectable()
export class CatalogService {
  constructor(
    private readonly products: ProductsRepository,
    private readonly cache: CacheService,
    private readonly stock: ProductStock,
    private readonly invalidation: InvalidationService,
  ) {}

  /** Through the query cache, tagged `products`: an edit here or a write to the table from anywhere drops it. */
  list(): Promise<ProductDto[]> {
    return this.cache.cacheQuery({ model: 'products', operation: 'list' }, () => this.products.list(), { ttl: '5m', tags: ['products'] });
  }

  @Cacheable({ key: 'product:{0}', tags: ['products', 'product:{0}'], ttl: '5m' })
  async get(id: number): Promise<ProductDetailDto> {
    const product = await this.products.findById(id);
    if (!product) throw new NotFoundException(`product ${id} does not exist`);
    const sold = await this.cache.cacheQuery({ model: 'orders', operation: 'unitsSold', args: { productId: id } }, () => this.products.unitsSold(id), { ttl: '5m' });
    return { ...product, unitsSold: sold };
  }

  async update(id: number, patch: UpdateProductDto): Promise<ProductDto> {
    const product = await this.products.update(id, patch);
    if (!product) throw new NotFoundException(`product ${id} does not exist`);
    await this.invalidation.emit('product.updated', { id });
    // Checkouts reserve against the count in Redis: it follows the new stock at once.
    if (patch.stock !== undefined) await this.stock.set(id, product.stock);
    return product;
  }
}
