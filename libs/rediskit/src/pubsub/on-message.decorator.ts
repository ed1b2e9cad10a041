import 'reflect-metadata';
import type { SubscribeOptions } from './pubsub.subscriber.js';

/**
 * What an `@OnMessage` handler listens to: a channel name (a pattern when it contains `*` or
 * `?`), an explicit `{ channel }` / `{ pattern }`, or `{ broadcast: true }`.
 */
export type OnMessageTarget = string | { channel: string } | { pattern: string } | { broadcast: true };

/** One `@OnMessage` on a method. */
export interface OnMessageMetadata {
  target: OnMessageTarget;
  options: SubscribeOptions;
}

export const ON_MESSAGE_METADATA = 'rediskit:pubsub:on-message';

/**
 * Subscribes a provider (or controller) method at boot: the method is called with
 * `(envelope, context)` for every message. Discovered on every provider of the application;
 * the subscriptions exist once `app.init()` resolved. A method may carry several.
 *
 * @example
 * @Injectable()
 * class OrderEvents {
 *   @OnMessage('orders')                           // one channel
 *   created(message: Envelope<Order>) {}
 *   @OnMessage('orders.*', { type: 'refund' })      // a pattern, only envelopes of type "refund"
 *   refunds(message: Envelope<Refund>, ctx: MessageContext) {}
 *   @OnMessage({ broadcast: true })
 *   announcement(message: Envelope<string>) {}
 * }
 */
export function OnMessage(target: OnMessageTarget, options: SubscribeOptions = {}): MethodDecorator {
  return (_target, _key, descriptor) => {
    const method = descriptor.value as object;
    const existing = (Reflect.getMetadata(ON_MESSAGE_METADATA, method) as OnMessageMetadata[] | undefined) ?? [];
    Reflect.defineMetadata(ON_MESSAGE_METADATA, [...existing, { target, options }], method);
    return descriptor;
  };
}
