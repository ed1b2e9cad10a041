import { SetMetadata } from '@nestjs/common';
import type { RateLimitRule } from './rate-limit.options.js';
import { prepare } from './rate-limit.rules.js';

export const RATE_LIMIT_RULES = 'rediskit:rate-limit:rules';
export const RATE_LIMIT_SKIP = 'rediskit:rate-limit:skip';

/**
 * Applies rate-limit rules to a controller (every route) or a route handler; enforced by
 * `RateLimitGuard`. Rules stack by name: a route gets the module defaults, then the class'
 * rules, then its own, a later rule replacing an earlier one of the same name (unnamed rules
 * are named `default`). Decorators may be repeated. A bad rule throws `RediskitArgumentError` as the
 * controller class is defined.
 *
 * @example
 * @RateLimit({ name: 'burst', limit: 10, window: '1s', key: 'user' })
 * @RateLimit({ name: 'daily', limit: 1000, window: '1d', key: 'user', algorithm: 'sliding-window-counter' })
 * @Post('transfers') transfer() {}
 */
export function RateLimit(...rules: RateLimitRule[]): ClassDecorator & MethodDecorator {
  // A bad rule fails when the controller is loaded, not on its first request.
  rules.forEach(prepare);
  return (target: object, _key?: string | symbol, descriptor?: PropertyDescriptor): any => {
    const holder = descriptor ? descriptor.value : target;
    // Decorators run bottom-up; prepend so rules read top-down as written.
    const existing: RateLimitRule[] = Reflect.getOwnMetadata(RATE_LIMIT_RULES, holder) ?? [];
    Reflect.defineMetadata(RATE_LIMIT_RULES, [...rules, ...existing], holder);
    return descriptor ?? (target as never);
  };
}

/**
 * Exempts a controller or route from rate limiting: from every rule, or only from the named ones.
 *
 * @example
 * @SkipRateLimit() @Get('health') health() {}
 * @SkipRateLimit('daily') @Get('status') status() {}
 */
export const SkipRateLimit = (...names: string[]): ClassDecorator & MethodDecorator =>
  SetMetadata(RATE_LIMIT_SKIP, names.length === 0 ? true : names);
