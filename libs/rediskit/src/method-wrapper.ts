import { Inject, Optional } from '@nestjs/common';
import { RediskitDecoratorError } from './errors.js';

type Method = (...args: unknown[]) => unknown;

/**
 * Method decorators of the capabilities (`@Cacheable`, `@RequestCached`...) are built with
 * this: `wrapper(name, build)` replaces the decorated method by `build(where, original)`
 * (`where` is `Class.method`), keeps its name and the metadata other decorators stored on it,
 * and injects `token` into the class as the property `property`, optionally: each instance
 * uses the service of the module that created it, one created with `new` has none, and no
 * state lives in module scope.
 */
export function methodWrapper(token: unknown, property: symbol): (name: string, build: (where: string, original: Method) => Method) => MethodDecorator {
  const injected = Symbol(`rediskit:injected:${String(property.description)}`);
  return (name, build) => (target, propertyKey, descriptor) => {
    const where = `${target.constructor.name}.${String(propertyKey)}`;
    const original = descriptor.value as unknown as Method;
    if (typeof original !== 'function') throw new RediskitDecoratorError(`@${name} must decorate a method (${where})`);
    const wrapped = build(where, original);
    Object.defineProperty(wrapped, 'name', { value: original.name });
    for (const key of Reflect.getOwnMetadataKeys(original)) Reflect.defineMetadata(key, Reflect.getOwnMetadata(key, original), wrapped);
    descriptor.value = wrapped as never;
    if (!Reflect.getOwnMetadata(injected, target)) {
      Reflect.defineMetadata(injected, true, target);
      Inject(token as never)(target, property);
      Optional()(target, property);
    }
    return descriptor;
  };
}
