import { bearerToken, type SessionService } from 'nestjs-rediskit';

/** The session token a request carries (cookie first, then bearer), whether or not it is still valid. */
export function requestToken(request: { headers: Record<string, string | string[] | undefined> }, sessions: SessionService): string | undefined {
  const name = sessions.settings.cookie.name;
  const header = request.headers.cookie;
  for (const pair of (Array.isArray(header) ? header.join('; ') : (header ?? '')).split(';')) {
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim();
  }
  return bearerToken(request);
}
