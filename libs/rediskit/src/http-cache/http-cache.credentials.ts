import { sessionOf } from '../session/index.js';

/** Reads the session token a request carries without checking it (`SessionService.tokenOf`). */
export type SessionTokenReader = (request: any) => string | undefined;

/**
 * Tells requests that carry credentials from anonymous ones, by looking at the request only
 * (no Redis call). A request is credentialed when it has:
 * - an `Authorization` header (any scheme, as RFC 9111 §3.5 has it), or one of `credentialHeaders`;
 * - the rediskit session token (its cookie or bearer), or a session `SessionGuard` attached;
 * - a `request.user` (an auth guard, e.g. Passport, authenticated it);
 * - one of `credentialCookies`.
 *
 * @example
 * const credentials = new RequestCredentials(['connect.sid'], ['x-api-key'], (req) => sessions.tokenOf(req));
 * credentials.carriedBy(req)   // true for `Cookie: connect.sid=…`
 */
export class RequestCredentials {
  constructor(
    private readonly cookies: readonly string[],
    private readonly headers: readonly string[],
    private readonly sessionToken?: SessionTokenReader,
  ) {}

  carriedBy(request: any): boolean {
    if (sessionOf(request) !== undefined || request.user) return true;
    const headers = request.headers as Record<string, string | string[] | undefined>;
    if (headers.authorization !== undefined) return true;
    for (const name of this.headers) if (headers[name] !== undefined) return true;
    if (this.sessionToken?.(request) !== undefined) return true;
    if (this.cookies.length === 0) return false;
    const parsed = request.cookies as Record<string, unknown> | undefined; // cookie-parser, @fastify/cookie
    if (parsed) for (const name of this.cookies) if (parsed[name] !== undefined) return true;
    const header = headers.cookie;
    return header !== undefined && hasCookie(Array.isArray(header) ? header.join('; ') : header, this.cookies);
  }
}

/** True when a `Cookie` header holds a cookie of one of `names` (any occurrence, not only the first). */
export function hasCookie(header: string, names: readonly string[]): boolean {
  if (!names.some((name) => header.includes(name))) return false;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq > 0 && names.includes(pair.slice(0, eq).trim())) return true;
  }
  return false;
}
