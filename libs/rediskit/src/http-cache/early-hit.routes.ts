import type { HttpAdapterHost, ModuleRef } from '@nestjs/core';
import { appConfigOf, type AppConfigLike } from './early-hit.eligibility.js';

/** What an early hit answers with: the body for the adapter's `reply()`, or NOT_EARLY (the route's handler runs). */
export const NOT_EARLY = Symbol('rediskit.earlyHit.no');

/**
 * One route as registered on the HTTP adapter. `answer` is set by the response cache the first
 * time the route runs: a function for a route whose hits may be answered early, `null` for one
 * whose may not, `undefined` until then.
 */
export interface EarlyRoute {
  answer: ((req: any, res: any) => unknown) | null | undefined;
}

/** The adapter methods the early path uses (Nest's `AbstractHttpAdapter`, on Express and on Fastify). */
interface AdapterLike {
  get(...args: unknown[]): unknown;
  reply(response: unknown, body: unknown, statusCode?: number): unknown;
  getOnRouteTriggered?(): unknown;
}

// The route a request is running while it is undecided, for the interceptor (a property, as HANDLED is).
const ROUTE = Symbol('rediskit.earlyHit.route');
// One wrapping per adapter, whichever RedisModule (or copy of the package) comes first.
const WRAPPED = Symbol.for('nestjs-rediskit.earlyHits');

/**
 * Wraps every GET handler Nest registers on the HTTP adapter, so that a fresh memory hit is
 * answered where Nest's route handler starts: after every middleware and adapter hook (helmet,
 * CORS, body parsers, `MiddlewareConsumer` middleware, Fastify hooks), before guards,
 * interceptors and pipes. The wrapper is the route (Express and Fastify have already matched
 * it: path, method, Fastify constraints), so no routing is repeated and a route's decision is
 * one object, bounded by the number of routes.
 *
 * Installed when the adapter is known (`HttpAdapterHost.init$`, or at once when it is already
 * set), which is before `app.init()` registers the routes.
 */
export class EarlyHitRoutes {
  constructor(
    adapterHost: HttpAdapterHost,
    private readonly moduleRef: ModuleRef,
  ) {
    // Early 11.x versions have no `init$`; there the adapter is already set for NestFactory apps.
    const init$ = (adapterHost as { init$?: { subscribe(next: () => void): unknown } }).init$;
    if (init$) init$.subscribe(() => wrapRoutes(adapterHost.httpAdapter as unknown as AdapterLike | undefined));
    else wrapRoutes(adapterHost.httpAdapter as unknown as AdapterLike | undefined);
  }

  /** Nest's application config (global guards and interceptors), or undefined when it cannot be read. */
  get appConfig(): AppConfigLike | undefined {
    return appConfigOf(this.moduleRef);
  }

  /** The route a request runs, while the route is undecided (set just before Nest's handler); else undefined. */
  routeOf(req: any): EarlyRoute | undefined {
    return req?.[ROUTE];
  }
}

function wrapRoutes(adapter: (AdapterLike & { [WRAPPED]?: true }) | undefined): void {
  if (!adapter || adapter[WRAPPED] || typeof adapter.get !== 'function' || typeof adapter.reply !== 'function') return;
  adapter[WRAPPED] = true;
  const register = adapter.get;
  adapter.get = function (this: unknown, ...args: unknown[]) {
    const handler = args[args.length - 1];
    // An adapter with onRouteTriggered (instrumentation) calls it inside the handler: an early
    // hit would skip it, so such routes are not wrapped.
    if (args.length >= 2 && typeof handler === 'function' && !adapter.getOnRouteTriggered?.()) args[args.length - 1] = earlyRoute(handler as Handler, adapter);
    return register.apply(this, args);
  };
}

type Handler = (this: unknown, req: any, res: any, next?: unknown) => unknown;

function earlyRoute(handler: Handler, adapter: AdapterLike): Handler {
  const route: EarlyRoute = { answer: undefined };
  const wrapped = function (this: unknown, req: any, res: any, next?: unknown) {
    const answer = route.answer;
    if (answer) {
      const body = answer(req, res); // never throws: any trouble is NOT_EARLY
      if (body !== NOT_EARLY) {
        adapter.reply(res, body);
        return undefined;
      }
    } else if (answer === undefined) {
      req[ROUTE] = route; // for the interceptor to decide about; once decided, requests are left as they are
    }
    return handler.call(this, req, res, next);
  };
  // The adapter reads the route's options from the handler (Fastify: version, config, constraints, schema).
  Object.assign(wrapped, handler);
  for (const key of Reflect.getOwnMetadataKeys(handler)) Reflect.defineMetadata(key, Reflect.getOwnMetadata(key, handler), wrapped);
  Object.defineProperty(wrapped, 'name', { configurable: true, value: handler.name });
  return wrapped;
}
