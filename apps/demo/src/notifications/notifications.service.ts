import { Injectable } from '@nestjs/common';
import { PubSubService, type Envelope, type Unsubscribe } from 'nestjs-rediskit';
import type { OrderDto } from '../orders/order.dto.js';
import type { NotificationDto } from './notification.dto.js';

const euros = (cents: number) => `€${(cents / 100).toFixed(2)}`;

/**
 * Order events over PubSubService: `notifyUser` for the buyer (kept in their inbox for when
 * they are offline, and published live), `broadcast` for everyone (a product sold out).
 */
@Injectable()
export class NotificationsService {
  constructor(private readonly pubsub: PubSubService) {}

  orderPlaced(userId: string, order: OrderDto): Promise<string> {
    return this.pubsub.notifyUser(userId, 'order.placed', order);
  }

  soldOut(productId: number, productName: string): Promise<number> {
    return this.pubsub.broadcast('product.sold-out', { productId, productName });
  }

  /** Live notifications of `userId` and broadcasts; resolves once both subscriptions are active. */
  async subscribe(userId: string, handler: (n: NotificationDto) => void): Promise<Unsubscribe> {
    const offs = await Promise.all([
      this.pubsub.subscribeUser(userId, (m) => handler(toNotification(m, true))),
      this.pubsub.subscribeBroadcast((m) => handler(toNotification(m, false))),
    ]);
    return async () => {
      await Promise.all(offs.map((off) => off()));
    };
  }

  /** The user's inbox: after `since` (an id), or everything unread. */
  async inbox(userId: string, options: { since?: string; limit?: number }): Promise<NotificationDto[]> {
    const messages = await this.pubsub.inbox(userId).fetch(options);
    return messages.map((m) => toNotification(m, true));
  }

  /** Marks everything up to `id` as read. */
  ack(userId: string, id: string): Promise<boolean> {
    return this.pubsub.inbox(userId).ack(id);
  }
}

function toNotification(m: Envelope, fromInbox: boolean): NotificationDto {
  return { id: fromInbox ? m.id : undefined, type: m.type, text: describe(m), at: m.ts, data: m.data };
}

function describe(m: Envelope): string {
  if (m.type === 'order.placed') {
    const o = m.data as OrderDto;
    return `Order #${o.id} confirmed: ${o.quantity} × ${o.productName} (${euros(o.totalCents)})`;
  }
  if (m.type === 'product.sold-out') return `${(m.data as { productName: string }).productName} just sold out`;
  return m.type;
}
