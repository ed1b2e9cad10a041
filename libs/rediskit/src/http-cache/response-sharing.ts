import type { HttpExchange } from './http-exchange.js';
import type { CachePlan } from './route-plan.js';

/** What a response to a credentialed request that the cache does not keep says to every cache after it. */
export const PERSONAL_CACHE_CONTROL = 'private, no-store';

/** The request does not use the cache: its handler runs and its answer is sent as it is. */
export const BYPASS = Symbol('bypass');
/** The request carries credentials and does not use the cache: its answer says `Cache-Control: private, no-store`. */
export const PERSONAL = Symbol('personal');

/**
 * How a request may use the cache: not at all (`BYPASS`, `PERSONAL`), or the owner of the
 * entry it reads and fills (`undefined`: the entry everyone shares).
 */
export type Sharing = typeof BYPASS | typeof PERSONAL | string | number | undefined;

/** Tells a request's owner and whether it carries credentials (the interceptor's overridable methods). */
export interface Requester {
  identify(request: any): string | number | undefined | null;
  carriesCredentials(request: any): boolean;
}

/**
 * Decides, from the request alone, whether it may read and fill a cached entry, and whose.
 * A request carrying credentials neither reads nor fills a shared entry unless the route says
 * `shared: true` (RFC 9111 §3.5); a private route keys its entry by the owner.
 */
export function sharingOf(plan: CachePlan, ex: HttpExchange, req: any, requester: Requester): Sharing {
  if (plan.condition && !plan.condition(req)) return BYPASS;
  // A GET or HEAD with a body: its answer may depend on bytes the key does not see.
  if (carriesBody(ex)) return BYPASS;
  if (plan.private) {
    const owner = requester.identify(req);
    // A request without an owner has no private entry of its own: it is not cached.
    if (owner === undefined || owner === null || owner === '') return requester.carriesCredentials(req) ? PERSONAL : BYPASS;
    return owner;
  }
  // A shared cache neither stores nor serves the answer to a credentialed request unless
  // told the response is the same for everyone (`shared: true`).
  if (!plan.shared && requester.carriesCredentials(req)) return PERSONAL;
  return undefined;
}

/**
 * Why a handler's response may not be stored, before its body is looked at: a status outside
 * the stored ones (every 2xx by default), or a cookie, which belongs to one client.
 */
export function unstorable(plan: CachePlan, ex: HttpExchange): 'status' | 'cookie' | undefined {
  const status = ex.status();
  if (plan.statuses ? !plan.statuses.has(status) : status < 200 || status > 299) return 'status';
  if (ex.setsCookie()) return 'cookie';
  return undefined;
}

/** A GET or HEAD that carries a body (`Content-Length` above 0, or any `Transfer-Encoding`). */
function carriesBody(ex: HttpExchange): boolean {
  const length = ex.header('content-length');
  return (length !== undefined && Number(length) !== 0) || ex.header('transfer-encoding') !== undefined;
}
