import type { SessionCookieOptions } from './session.options.js';

/** Cookie options with every default applied (`resolveCookieOptions` in session.settings.ts). */
export type ResolvedCookieOptions = Required<Omit<SessionCookieOptions, 'domain'>> & { domain?: string };

/**
 * A `Set-Cookie` header value. `expires` (ms) is written only for persistent cookies; `0`
 * deletes the cookie.
 */
export function serializeCookie(options: ResolvedCookieOptions, value: string, expires?: number): string {
  const parts = [`${options.name}=${value}`, `Path=${options.path}`];
  if (options.domain) parts.push(`Domain=${options.domain}`);
  if (expires !== undefined) parts.push(`Expires=${new Date(expires).toUTCString()}`);
  if (expires === 0) parts.push('Max-Age=0');
  if (options.httpOnly) parts.push('HttpOnly');
  if (options.secure) parts.push('Secure');
  parts.push(`SameSite=${options.sameSite[0].toUpperCase()}${options.sameSite.slice(1)}`);
  return parts.join('; ');
}

/** The first cookie called `name` in a `Cookie` header (the first one wins against cookie tossing). */
export function readCookie(header: string | string[] | undefined, name: string): string | undefined {
  const text = Array.isArray(header) ? header.join('; ') : header;
  if (!text) return undefined;
  for (const pair of text.split(';')) {
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim();
  }
  return undefined;
}
