import { Injectable, NotFoundException } from '@nestjs/common';
import { Cacheable, CacheEvict, CacheService } from 'nestjs-rediskit';
import type { ProductDetailDto, ProductDto, UpdateProductDto } from './product.dto.js';
import { ProductStock } from './product-stock.js';
import { ProductsRepository } from './products.repository.js';

/**
 * Reads and edits the catalog. Product details are cached per product (`@Cacheable`, tagged
 * `products` and `product:<id>`); the sales figure inside them comes from the query cache
 * (`cacheQuery`, tagged `model:orders`). Edits and orders invalidate by tag, on every instance;
 * a stock edit also sets the count checkouts reserve against (`ProductStock`).
 */
@Injectable()
export class CatalogService {
  constructor(
    private readonly products: ProductsRepository,
    private readonly cache: CacheService,
    private readonly stock: ProductStock,
  ) {}

  list(): Promise<ProductDto[]> {
    return this.products.list();
  }

  @Cacheable({ key: 'product:{0}', tags: ['products', 'product:{0}'], ttl: '5m' })
  async get(id: number): Promise<ProductDetailDto> {
    const product = await this.products.findById(id);
    if (!product) throw new NotFoundException(`product ${id} does not exist`);
    const sold = await this.cache.cacheQuery({ model: 'orders', operation: 'unitsSold', args: { productId: id } }, () => this.products.unitsSold(id), { ttl: '5m' });
    return { ...product, unitsSold: sold };
  }

  @CacheEvict({ tags: ['products', 'product:{0}'] })
  async update(id: number, patch: UpdateProductDto): Promise<ProductDto> {
    const product = await this.products.update(id, patch);
    if (!product) throw new NotFoundException(`product ${id} does not exist`);
    // Checkouts reserve against the count in Redis: it follows the new stock at once.
    if (patch.stock !== undefined) await this.stock.set(id, product.stock);
    return product;
  }
}
