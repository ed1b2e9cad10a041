import { Module } from '@nestjs/common';
import { CatalogController } from './catalog.controller.js';
import { CatalogService } from './catalog.service.js';
import { ProductStock } from './product-stock.js';
import { ProductsRepository } from './products.repository.js';

@Module({ controllers: [CatalogController], providers: [CatalogService, ProductsRepository, ProductStock], exports: [CatalogService, ProductsRepository, ProductStock] })
export class CatalogModule {}
