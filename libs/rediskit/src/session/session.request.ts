import { createHash } from 'node:crypto';
import { SESSION_DEFAULTS } from './session.settings.js';
import type { SessionClient } from './session.types.js';

/** What the session code reads from a request (Express, Fastify and node requests all fit). */
export interface RequestLike {
  headers: Record<string, string | string[] | undefined>;
  ip?: string;
  socket?: { remoteAddress?: string };
}

function header(request: RequestLike, name: string): string {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(', ') : (value ?? '');
}

/**
 * The bearer token of an `Authorization` header, if any.
 *
 * @example
 * bearerToken({ headers: { authorization: 'Bearer abc' } }) // 'abc'
 */
export function bearerToken(request: RequestLike): string | undefined {
  const value = header(request, 'authorization');
  return /^bearer /i.test(value) ? value.slice(7).trim() : undefined;
}

/**
 * The client's IP as the framework resolved it (`request.ip` honours Express' and Fastify's
 * trust-proxy settings), else the socket's address.
 */
export function clientIp(request: RequestLike): string | undefined {
  return request.ip ?? request.socket?.remoteAddress;
}

/**
 * A device fingerprint: base64url SHA-256 of the given request headers (names are lower case).
 * Not a secret and not unique per device: a hint for binding and risk scoring.
 *
 * @example
 * const fp = fingerprintOf(req, ['user-agent', 'accept-language']);
 */
export function fingerprintOf(request: RequestLike, headers: readonly string[] = SESSION_DEFAULTS.fingerprintHeaders): string {
  const hash = createHash('sha256');
  for (const name of headers) hash.update(name).update('\0').update(header(request, name)).update('\n');
  return hash.digest('base64url');
}

/**
 * IP, user agent and fingerprint of a request, ready for `SessionService.create`.
 *
 * @example
 * await sessions.create(user.id, data, { ...clientOf(req), device: 'iPhone' });
 */
export function clientOf(request: RequestLike, fingerprintHeaders?: string[]): SessionClient {
  const userAgent = header(request, 'user-agent') || undefined;
  return { ip: clientIp(request), userAgent, fingerprint: fingerprintOf(request, fingerprintHeaders) };
}
