import { Body, Controller, Get, Post } from '@nestjs/common';
import { ApiConflictResponse, ApiHeader, ApiUnprocessableEntityResponse, ApiCookieAuth, ApiCreatedResponse, ApiForbiddenResponse, ApiOkResponse, ApiTags, ApiTooManyRequestsResponse } from '@nestjs/swagger';
import { CurrentSession, Idempotent, RateLimit, RateLimitPresets, RefuseDegraded, type Session } from 'nestjs-rediskit';
import { CreateOrderDto, OrderDto } from './order.dto.js';
import { OrdersService } from './orders.service.js';

/** Checkout. */
@ApiTags('orders')
@ApiCookieAuth('sid')
@Controller('orders')
export class OrdersController {
  constructor(private readonly orders: OrdersService) {}

  /**
   * Places an order (PAYMENT rate limit: 10 per hour per user). With an `Idempotency-Key`
   * header, a retry gets the first answer (`Idempotent-Replayed: true`) instead of a second
   * order; the same key for another order is 422, one still running 409. Keys are this user's.
   */
  @Post()
  @RefuseDegraded()
  @RateLimit({ ...RateLimitPresets.PAYMENT, key: 'user' })
  @Idempotent({ ttl: '24h', required: false })
  @ApiCreatedResponse({ type: OrderDto })
  @ApiConflictResponse({ description: 'SOLD_OUT, STALE_LOCK when a lock holder lost its lease, or IDEMPOTENCY_KEY_IN_USE while the first request with the key runs' })
  @ApiForbiddenResponse({ description: 'STEP_UP_REQUIRED for orders of €250 or more' })
  @ApiTooManyRequestsResponse({ description: 'PAYMENT rate limit' })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'A unique key per checkout ("..."): retries with it never order twice' })
  @ApiUnprocessableEntityResponse({ description: 'IDEMPOTENCY_KEY_MISMATCH: the key was used for another order' })
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
