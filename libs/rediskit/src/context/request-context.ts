import { AsyncLocalStorage } from 'node:async_hooks';
import { requestIdFrom } from './request-id.js';

/**
 * What the library keeps for one request (an HTTP request, a microservice message, a job run)
 * while it is served. It knows no capability: each keeps its own data in `memo` under a key of
 * its own (a symbol).
 */
export interface RequestContext {
  /** The request id: `X-Request-Id` when well-formed, else generated. Goes into log lines. */
  readonly requestId: string;
  /** Per-request memory of the capabilities, dropped when the request ends. */
  readonly memo: Map<symbol, unknown>;
  /** True once the request has ended: nothing more is kept for it. */
  readonly ended: boolean;
}

interface MutableContext extends RequestContext {
  ended: boolean;
}

const storage = new AsyncLocalStorage<MutableContext>();

/**
 * Leaves the request context storage when the application shuts down. On Node 20 a storage
 * that was entered keeps a hook running on every async operation of the process until it is
 * disabled; the next request enters it again.
 */
export function releaseRequestContexts(): void {
  storage.disable();
}

/** Options of {@link runInRequestContext}. */
export interface RequestContextInit {
  /** The request id (e.g. a message's correlation id); generated when missing or malformed. @default a random UUID */
  requestId?: string;
}

/**
 * Runs `fn` inside a new request context, and ends the context when `fn` settles (its
 * per-request memory is dropped). HTTP requests get one automatically (RedisModule installs a
 * middleware); use this for microservice handlers, queue consumers and scheduled jobs.
 *
 * @example
 * @Cron('0 * * * *')
 * refresh() {
 *   return runInRequestContext(() => this.report.build(), { requestId: `cron-refresh-${Date.now()}` });
 * }
 */
export function runInRequestContext<T>(fn: () => T, init: RequestContextInit = {}): T {
  const context = newRequestContext(init.requestId);
  const result = storage.run(context, fn);
  if (isPromiseLike(result)) {
    // Ended once settled; the caller still sees the rejection through `result`.
    result.then(() => endRequestContext(context), () => endRequestContext(context));
  } else {
    endRequestContext(context);
  }
  return result;
}

/** The current request context, or `undefined` outside any request. */
export function currentRequestContext(): RequestContext | undefined {
  return storage.getStore();
}

/**
 * The current request's id, or `undefined` outside any request: for your own log lines,
 * outgoing calls (`X-Request-Id`) and error reports.
 */
export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}

/** A context for a request whose id came in a header (or nowhere): see `requestIdFrom`. */
export function newRequestContext(requestId?: unknown): RequestContext {
  return { requestId: requestIdFrom(requestId), memo: new Map(), ended: false } satisfies MutableContext;
}

/** Runs `fn` inside `context` (the middleware enters the context made for a request this way). */
export function enterRequestContext<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context as MutableContext, fn);
}

/** Marks the request ended and drops its per-request memory. */
export function endRequestContext(context: RequestContext): void {
  (context as MutableContext).ended = true;
  context.memo.clear();
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}
