import { Body, Controller, Get, Post } from '@nestjs/common';
import { ApiConflictResponse, ApiCookieAuth, ApiCreatedResponse, ApiForbiddenResponse, ApiOkResponse, ApiTags, ApiTooManyRequestsResponse } from '@nestjs/swagger';
import { CurrentSession, RateLimit, RateLimitPresets, RefuseDegraded, type Session } from 'nestjs-rediskit';
import { CreateOrderDto, OrderDto } from './order.dto.js';
import { OrdersService } from './orders.service.js';

/** Checkout. */
@ApiTags('orders')
@ApiCookieAuth('sid')
@Controller('orders')
export class OrdersController {
  constructor(private readonly orders: OrdersService) {}

  /** Places an order (PAYMENT rate limit: 10 per hour per user). */
  @Post()
  @RefuseDegraded()
  @RateLimit({ ...RateLimitPresets.PAYMENT, key: 'user' })
  @ApiCreatedResponse({ type: OrderDto })
  @ApiConflictResponse({ description: 'SOLD_OUT, or STALE_LOCK when a lock holder lost its lease' })
  @ApiForbiddenResponse({ description: 'STEP_UP_REQUIRED for orders of €250 or more' })
  @ApiTooManyRequestsResponse({ description: 'PAYMENT rate limit' })
  place(@CurrentSession() session: Session, @Body() body: CreateOrderDto): Promise<OrderDto> {
    return this.orders.place(session, body.productId, body.quantity ?? 1);
  }

  /** This user's latest orders. */
  @Get()
  @ApiOkResponse({ type: [OrderDto] })
  list(@CurrentSession('userId') userId: string): Promise<OrderDto[]> {
    return this.orders.list(Number(userId));
  }
}
