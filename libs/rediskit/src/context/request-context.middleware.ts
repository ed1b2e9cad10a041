import { AsyncResource } from 'node:async_hooks';
import { currentRequestContext, endRequestContext, enterRequestContext, newRequestContext, type RequestContext } from './request-context.js';
import { REQUEST_ID_HEADER } from './request-id.js';

/** The parts of Node's request and response the middleware uses (Express hands them as they are). */
interface RawRequest {
  headers: Record<string, string | string[] | undefined>;
}
interface RawResponse {
  setHeader(name: string, value: string): unknown;
  once(event: 'close', listener: () => void): unknown;
}

/** A context for a request, its id echoed, ended when the response is closed. */
function openContext(req: RawRequest, res: RawResponse): RequestContext {
  const context = newRequestContext(req.headers[REQUEST_ID_HEADER]);
  res.setHeader(REQUEST_ID_HEADER, context.requestId);
  res.once('close', () => endRequestContext(context));
  return context;
}

/**
 * Enters a request context for an HTTP request: its id is the request's `X-Request-Id` when
 * well-formed, else generated, and is echoed in the response's `X-Request-Id`. The context ends
 * (its per-request memory is dropped) when the response is closed. A request already in a
 * context (a second RedisModule) keeps it.
 */
export function requestContextMiddleware(req: RawRequest, res: RawResponse, next: (error?: unknown) => void): void {
  if (currentRequestContext()) return next();
  enterRequestContext(openContext(req, res), next);
}

interface FastifyRequestLike {
  raw: RawRequest;
  [RESUME]?: AsyncResource;
}
type Hook = (req: FastifyRequestLike, reply: { raw: RawResponse }, done: () => void) => void;
interface FastifyLike {
  addHook(name: 'onRequest' | 'preValidation', hook: Hook): unknown;
}
interface HttpAdapterLike {
  getType(): string;
  getInstance(): unknown;
  use(handler: typeof requestContextMiddleware): unknown;
}

const RESUME = Symbol('rediskit:request-context');

/**
 * Installs the request context on the application's HTTP adapter, before every route. Express:
 * a plain middleware (after the body parsers). Fastify: an `onRequest` hook, and a
 * `preValidation` hook that re-enters the context, because Fastify runs the handler from the
 * request body's `end` event, which belongs to another async context. Plain rather than
 * through Nest's `MiddlewareConsumer` (route matching on every request) or `@fastify/middie`.
 */
export function installRequestContext(adapter: HttpAdapterLike | undefined): void {
  if (!adapter) return;
  if (adapter.getType() !== 'fastify') {
    adapter.use(requestContextMiddleware);
    return;
  }
  const fastify = adapter.getInstance() as FastifyLike;
  fastify.addHook('onRequest', (req, reply, done) => {
    if (currentRequestContext()) return done();
    enterRequestContext(openContext(req.raw, reply.raw), () => {
      req[RESUME] = new AsyncResource('rediskit-request-context');
      done();
    });
  });
  fastify.addHook('preValidation', (req, _reply, done) => {
    const resume = req[RESUME];
    if (resume) resume.runInAsyncScope(done);
    else done();
  });
}
