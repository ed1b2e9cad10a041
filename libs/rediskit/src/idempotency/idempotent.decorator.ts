import { applyDecorators, SetMetadata, UseInterceptors } from '@nestjs/common';
import { RediskitArgumentError } from '../errors.js';
import { toPositiveMs } from '../options/duration.js';
import { IDEMPOTENT_KEY } from './idempotency.constants.js';
import { IdempotencyInterceptor } from './idempotency.interceptor.js';
import type { IdempotentOptions } from './idempotency.options.js';

/**
 * Makes a route idempotent with the `Idempotency-Key` header (IETF draft "The Idempotency-Key
 * HTTP Header Field"): the first request with a key runs and its response is stored; a retry
 * with the same key and the same request (method, path, body) gets the stored response with
 * `Idempotent-Replayed: true`; a retry while the first still runs gets 409; the same key with
 * another request gets 422. Keys are scoped to the client (`idempotency.identify`). Applies
 * `IdempotencyInterceptor` itself. Bad options fail when the class loads.
 *
 * @example
 * @Post('orders')
 * @Idempotent({ ttl: '24h' })
 * place(@Body() order: NewOrder) { return this.orders.place(order); }
 */
export function Idempotent(options: IdempotentOptions = {}): MethodDecorator & ClassDecorator {
  if (options === null || typeof options !== 'object') throw new RediskitArgumentError('options', `must be an object, got ${JSON.stringify(options)}`);
  if (options.ttl !== undefined) toPositiveMs(options.ttl, 'ttl');
  if (options.inProgressTtl !== undefined) toPositiveMs(options.inProgressTtl, 'inProgressTtl');
  if (options.required !== undefined && typeof options.required !== 'boolean') throw new RediskitArgumentError('required', `must be a boolean, got ${JSON.stringify(options.required)}`);
  return applyDecorators(SetMetadata(IDEMPOTENT_KEY, options), UseInterceptors(IdempotencyInterceptor));
}
