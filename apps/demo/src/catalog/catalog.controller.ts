import { Body, Controller, Get, Param, ParseIntPipe, Put, UseInterceptors } from '@nestjs/common';
import { ApiCookieAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CacheResponse, InvalidateTags, NoCache, Public, ResponseCacheInterceptor } from 'nestjs-rediskit';
import { CatalogService } from './catalog.service.js';
import { ProductDetailDto, ProductDto, UpdateProductDto } from './product.dto.js';

/** The product catalog. */
@ApiTags('catalog')
@Controller('products')
@UseInterceptors(ResponseCacheInterceptor) // caches every GET route here unless @NoCache; runs @InvalidateTags
export class CatalogController {
  constructor(private readonly catalog: CatalogService) {}

  /**
   * Every product. The response is cached (tag `products`) with an ETag: `If-None-Match` gets a 304.
   * `shared`: the list is the same for everyone, so signed-in visitors (session cookie) share it too.
   */
  @Public()
  @Get()
  @CacheResponse({ ttl: '1m', tags: ['products'], shared: true })
  @ApiOkResponse({ type: [ProductDto] })
  list(): Promise<ProductDto[]> {
    return this.catalog.list();
  }

  /**
   * One product, with units sold. Cached one level down, in the service (`@Cacheable` and the
   * query cache), so no response cache here.
   */
  @Public()
  @Get(':id')
  @NoCache()
  @ApiOkResponse({ type: ProductDetailDto })
  get(@Param('id', ParseIntPipe) id: number): Promise<ProductDetailDto> {
    return this.catalog.get(id);
  }

  /** Edits a product (needs a session); drops the cached list and product on every instance. */
  @Put(':id')
  @InvalidateTags('products', 'product:{id}')
  @ApiCookieAuth('sid')
  @ApiOkResponse({ type: ProductDto })
  update(@Param('id', ParseIntPipe) id: number, @Body() body: UpdateProductDto): Promise<ProductDto> {
    return this.catalog.update(id, body);
  }
}
