import { readCookie, serializeCookie } from './session.cookie.js';
import type { FallbackCookies } from './session.fallback-cookie.js';
import { bearerToken, clientOf, type RequestLike } from './session.request.js';
import { appendSetCookie } from './session.set-cookie.js';
import type { SessionSettings } from './session.settings.js';
import type { Session, SessionClient } from './session.types.js';

/**
 * The HTTP side of sessions, apart from their storage: which token a request carries, who the
 * client is, and the cookies a response sets or clears. No Redis call here; `SessionService`
 * exposes these as its `tokenOf`, `clientOf`, `setCookie` and `clearCookie`.
 */
export class SessionHttp {
  constructor(
    private readonly settings: SessionSettings,
    private readonly fallback: FallbackCookies | undefined,
  ) {}

  /** The cookie or bearer token of `request`, in `session.tokenSources` order; unchecked. */
  tokenOf(request: RequestLike & { cookies?: Record<string, string | undefined> }): string | undefined {
    const { cookie, tokenSources } = this.settings;
    for (const source of tokenSources) {
      const token = source === 'cookie' ? (request.cookies?.[cookie.name] ?? readCookie(request.headers.cookie, cookie.name)) : bearerToken(request);
      if (token) return token;
    }
    return undefined;
  }

  clientOf(request: RequestLike): SessionClient {
    return clientOf(request, this.settings.fingerprintHeaders);
  }

  setCookie(response: unknown, token: string, session?: Pick<Session, 'absoluteExpiresAt'>): void {
    const { cookie } = this.settings;
    appendSetCookie(response, serializeCookie(cookie, token, cookie.persistent && session ? session.absoluteExpiresAt : undefined));
  }

  clearCookie(response: unknown): void {
    appendSetCookie(response, serializeCookie(this.settings.cookie, '', 0));
    if (this.fallback) appendSetCookie(response, this.fallback.clear());
  }
}
