import { Injectable, type NestMiddleware } from '@nestjs/common';
import { endRequestContext, enterRequestContext, newRequestContext } from './request-context.js';
import { REQUEST_ID_HEADER } from './request-id.js';

/** The parts of Node's request and response both adapters hand to middleware (Fastify's are the raw ones). */
interface RawRequest {
  headers: Record<string, string | string[] | undefined>;
}
interface RawResponse {
  setHeader(name: string, value: string): unknown;
  once(event: 'close', listener: () => void): unknown;
}

/**
 * Enters a request context for every HTTP request (Express and Fastify): its id is the
 * request's `X-Request-Id` when well-formed, else generated, and is echoed in the response's
 * `X-Request-Id`. `RedisModule` installs it for every route; the context ends (its per-request
 * memory is dropped) when the response is closed.
 */
@Injectable()
export class RequestContextMiddleware implements NestMiddleware {
  use(req: RawRequest, res: RawResponse, next: (error?: unknown) => void): void {
    const context = newRequestContext(req.headers[REQUEST_ID_HEADER]);
    res.setHeader(REQUEST_ID_HEADER, context.requestId);
    res.once('close', () => endRequestContext(context));
    enterRequestContext(context, next);
  }
}
