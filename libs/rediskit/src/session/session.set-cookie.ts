// Each framework adds a Set-Cookie header its own way; a plain setHeader would drop the
// cookies other code set before (a session cookie next to a fallback cookie, a CSRF cookie).

interface AnyResponse {
  append?: (name: string, value: string) => unknown;
  header?: (name: string, value: string) => unknown;
  getHeader?: (name: string) => unknown;
  setHeader?: (name: string, value: string | string[]) => unknown;
  raw?: unknown;
}

/** Adds a `Set-Cookie` header on an Express response, a Fastify reply or a node `ServerResponse`. */
export function appendSetCookie(response: unknown, value: string): void {
  const res = response as AnyResponse;
  if (typeof res.append === 'function') {
    res.append('Set-Cookie', value); // Express: appends to earlier Set-Cookie headers
  } else if (typeof res.header === 'function' && res.raw) {
    res.header('set-cookie', value); // Fastify collects several set-cookie values
  } else if (typeof res.setHeader === 'function') {
    const previous = res.getHeader?.('Set-Cookie');
    const list = previous === undefined ? [] : Array.isArray(previous) ? previous.map(String) : [String(previous)];
    res.setHeader('Set-Cookie', [...list, value]);
  } else {
    throw new TypeError('appendSetCookie: the response has no append, header or setHeader method');
  }
}
