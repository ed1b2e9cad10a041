import { Inject } from '@nestjs/common';
import { RediskitDecoratorError, RediskitNotConfiguredError } from '../errors.js';
import { MAX_TIMER_MS, toPositiveMs, type Duration } from '../options/duration.js';
import type { LockRetryOptions } from './lock.options.js';
import { lockKeyResolver, type LockKey } from './lock-key.js';
import { LockService } from './lock.service.js';

/** Options of {@link WithLock}. */
export interface WithLockDecoratorOptions {
  /** The resource: a template over the arguments (`'invoice:{0}'`, `'user:{1.id}'`) or a function `(...args) => string`. */
  key: LockKey;
  /** Lease length; extended automatically while the method runs. @default `lock.defaultTtl` */
  ttl?: Duration;
  /**
   * While another holder has the lock: `false` throws `LockNotAcquiredError` at once, `true`
   * waits per the module's retry policy, a duration waits up to that long.
   * @default false
   */
  wait?: boolean | Duration;
}

// The property the LockService is injected into; a symbol, so it cannot clash with the class' own.
const LOCKS = Symbol('rediskit:locks');
const INJECTED = Symbol('rediskit:locks-injected');

/**
 * Runs a service method while holding a distributed lock. If the lock cannot be taken the
 * call throws `LockNotAcquiredError`; the method never runs unlocked. If the lease is lost
 * while it runs, the call throws `LockLostError` (read `locks.current()?.signal` inside the
 * method to stop early). The class must be a Nest provider: `LockService` is injected into
 * it as a property.
 *
 * @example
 * @Injectable()
 * export class Billing {
 *   @WithLock({ key: 'invoice:{0}', ttl: '30s', wait: '5s' })
 *   async pay(invoiceId: string) { ... }
 * }
 */
export function WithLock(options: WithLockDecoratorOptions): MethodDecorator {
  return (target, propertyKey, descriptor) => {
    const where = `${target.constructor.name}.${String(propertyKey)}`;
    const keyOf = lockKeyResolver(options?.key, where);
    const retry = waitPolicy(options.wait, where);
    if (options.ttl !== undefined) toPositiveMs(options.ttl, `@WithLock ttl of ${where}`, MAX_TIMER_MS);
    const original = descriptor.value as unknown as (...args: unknown[]) => unknown;
    if (typeof original !== 'function') throw new RediskitDecoratorError(`@WithLock must decorate a method (${where})`);
    injectLockService(target);
    const wrapped = async function (this: Record<symbol, LockService | undefined>, ...args: unknown[]) {
      const locks = this[LOCKS];
      if (!locks) throw new RediskitNotConfiguredError(`@WithLock on ${where}: the class must be created by Nest so LockService can be injected`);
      return locks.withLock(keyOf(args), () => original.apply(this, args), { ttl: options.ttl, retry });
    };
    // Keep the name and what other decorators stored on the original method.
    Object.defineProperty(wrapped, 'name', { value: original.name });
    for (const key of Reflect.getOwnMetadataKeys(original)) Reflect.defineMetadata(key, Reflect.getOwnMetadata(key, original), wrapped);
    descriptor.value = wrapped as never;
    return descriptor;
  };
}

function waitPolicy(wait: WithLockDecoratorOptions['wait'], where: string): LockRetryOptions | undefined {
  if (wait === undefined || wait === false) return { attempts: 0 };
  if (wait === true) return undefined;
  return { attempts: Infinity, maxWait: toPositiveMs(wait, `@WithLock wait of ${where}`) };
}

// Property injection, declared once per class.
function injectLockService(prototype: object): void {
  if (Reflect.getOwnMetadata(INJECTED, prototype)) return;
  Reflect.defineMetadata(INJECTED, true, prototype);
  Inject(LockService)(prototype, LOCKS);
}
