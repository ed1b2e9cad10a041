import { describe, expect, it } from '@jest/globals';
import { readCookie, serializeCookie } from './session.cookie.js';
import { resolveCookieOptions } from './session.settings.js';
import { appendSetCookie } from './session.set-cookie.js';

describe('session cookie', () => {
  it('is HttpOnly, Secure, SameSite=Lax, a browser-session cookie by default', () => {
    expect(serializeCookie(resolveCookieOptions(), 'tok')).toBe('sid=tok; Path=/; HttpOnly; Secure; SameSite=Lax');
  });

  it('takes every attribute from the options', () => {
    const options = resolveCookieOptions({ name: '__Host-s', httpOnly: false, secure: true, sameSite: 'strict', path: '/app', domain: 'example.com' });
    expect(serializeCookie(options, 'v', Date.UTC(2030, 0, 1))).toBe('__Host-s=v; Path=/app; Domain=example.com; Expires=Tue, 01 Jan 2030 00:00:00 GMT; Secure; SameSite=Strict');
    expect(serializeCookie(options, '', 0)).toContain('Max-Age=0');
  });

  it('reads the first cookie of a name (against cookie tossing)', () => {
    expect(readCookie('a=1; sid=first; sid=second', 'sid')).toBe('first');
    expect(readCookie('asid=1', 'sid')).toBeUndefined();
    expect(readCookie(undefined, 'sid')).toBeUndefined();
  });

  it('appends to earlier Set-Cookie headers of a node response', () => {
    const headers: Record<string, unknown> = { 'Set-Cookie': 'other=1' };
    const response = { getHeader: (n: string) => headers[n], setHeader: (n: string, v: unknown) => (headers[n] = v) };
    appendSetCookie(response, 'sid=x');
    expect(headers['Set-Cookie']).toEqual(['other=1', 'sid=x']);
  });
});
