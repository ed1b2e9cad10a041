import { Module } from '@nestjs/common';
import { CatalogModule } from '../catalog/catalog.module.js';
import { NotificationsModule } from '../notifications/notifications.module.js';
import { OrdersController } from './orders.controller.js';
import { OrdersRepository } from './orders.repository.js';
import { OrdersService } from './orders.service.js';

@Module({ imports: [CatalogModule, NotificationsModule], controllers: [OrdersController], providers: [OrdersService, OrdersRepository], exports: [OrdersService] })
export class OrdersModule {}
