import { RediskitDecoratorError } from '../errors.js';
import { methodWrapper } from '../method-wrapper.js';
import { argumentsKey } from './request-cache.key.js';
import { RequestCache } from './request-cache.service.js';

/** Options of {@link RequestCached}. */
export interface RequestCachedOptions {
  /**
   * The key of a call from its arguments, when they are not plain data (a class instance, a
   * Map) or only some of them matter. Return `undefined` to run that call uncached.
   * @default the arguments' JSON (arguments that are not plain data: the call runs uncached)
   */
  key?: (...args: any[]) => string | undefined;
}

// RequestCache is injected into the decorated class as this property (see methodWrapper).
const REQUEST_CACHE = Symbol('rediskit:request-cache');
const wrap = methodWrapper(RequestCache, REQUEST_CACHE);

// Two instances of one class (two modules, two configurations) keep apart entries.
const instanceIds = new WeakMap<object, number>();
let nextInstanceId = 0;
const instanceId = (instance: object) => instanceIds.get(instance) ?? (instanceIds.set(instance, ++nextInstanceId), nextInstanceId);

type Host = Record<symbol, RequestCache | undefined>;

/**
 * Memoizes a provider method within one request: the same call (same arguments) made again
 * while serving the same request returns the first call's result, and concurrent identical
 * calls share one promise. Works for HTTP requests (Express, Fastify) and inside
 * `runInRequestContext` (microservice handlers, jobs); outside any request the method simply
 * runs. The class must be a Nest provider (it gets `RequestCache` injected as a property).
 *
 * @example
 * @RequestCached()
 * async findUser(id: string) { return this.db.user.find(id) }   // once per request per id
 */
export function RequestCached(options: RequestCachedOptions = {}): MethodDecorator {
  if (options.key !== undefined && typeof options.key !== 'function') throw new RediskitDecoratorError('@RequestCached: key must be a function');
  const keyOf = options.key ?? ((...args: unknown[]) => argumentsKey(args));
  return wrap('RequestCached', (where, original) =>
    function (this: Host, ...args: unknown[]) {
      const cache = this[REQUEST_CACHE];
      if (!cache) return original.apply(this, args);
      const argsKey = keyOf(...args);
      const key = argsKey === undefined ? undefined : `m:${instanceId(this)}:${where}:${argsKey}`;
      return cache.memoize(key, () => original.apply(this, args));
    },
  );
}
