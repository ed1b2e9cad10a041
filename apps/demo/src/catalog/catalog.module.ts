import { Module } from '@nestjs/common';
import { CatalogController } from './catalog.controller.js';
import { CatalogService } from './catalog.service.js';
import { ProductsRepository } from './products.repository.js';

@Module({ controllers: [CatalogController], providers: [CatalogService, ProductsRepository], exports: [CatalogService, ProductsRepository] })
export class CatalogModule {}
