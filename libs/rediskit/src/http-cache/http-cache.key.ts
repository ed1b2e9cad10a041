import { createHash } from 'node:crypto';
import { encodeKeyPart } from '../keyspace/keyspace.js';

/** What a response-cache key is made of. */
export interface KeyInput {
  method: string;
  /** Path and query as the client sent them. */
  url: string;
  /** Query parameter names left out. */
  ignoreQuery?: ReadonlySet<string>;
  /** Values of the `varyBy` headers, in the route's order. */
  vary?: (string | undefined)[];
  /** Owner of a private response. */
  owner?: string | number;
  /** A route's own key, replacing method + path + query + vary. */
  custom?: string;
}

// Keys longer than this are hashed, so a huge URL cannot make a huge Redis key.
const MAX_KEY = 512;

/**
 * The cache key of a request: `GET:/path:q<sorted query>:h<header>...:u<owner>` (or `k<custom>:u<owner>`). HEAD shares
 * GET's entries. Every part goes through the Keyspace encoding (it can never contain the
 * separator, a glob or a hash tag), and each part has a one-letter prefix, so parts never run
 * into each other and an empty value is still a part.
 *
 * @example
 * responseKey({ method: 'GET', url: '/p?b=2&a=1', vary: ['en'] })   // 'GET:/p:qa=1&b=2:hen'
 */
export function responseKey(input: KeyInput): string {
  let key: string;
  if (input.custom !== undefined) {
    key = encodeKeyPart('k' + input.custom);
  } else {
    const method = input.method === 'HEAD' ? 'GET' : input.method;
    const q = input.url.indexOf('?');
    const path = q === -1 ? input.url : input.url.slice(0, q);
    key = method + ':' + encodeKeyPart(path || '/');
    if (q !== -1) {
      const query = canonicalQuery(input.url.slice(q + 1), input.ignoreQuery);
      if (query) key += ':' + encodeKeyPart('q' + query);
    }
    if (input.vary) for (const value of input.vary) key += ':' + encodeKeyPart('h' + (value ?? ''));
  }
  if (input.owner !== undefined) key += ':' + encodeKeyPart('u' + input.owner);
  return key.length > MAX_KEY ? 'sha256:' + createHash('sha256').update(key).digest('base64url') : key;
}

/**
 * The query string with its parameters sorted by name (then value) and re-encoded, so
 * `?b=2&a=1` and `?a=1&b=%32` share an entry. Ignored names are dropped.
 *
 * @example
 * canonicalQuery('b=2&utm_source=x&a=1', new Set(['utm_source']))   // 'a=1&b=2'
 */
export function canonicalQuery(query: string, ignore?: ReadonlySet<string>): string {
  if (query.length === 0) return '';
  const pairs: [string, string][] = [];
  for (const [name, value] of new URLSearchParams(query)) {
    if (!ignore?.has(name)) pairs.push([name, value]);
  }
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([n, v]) => encodeURIComponent(n) + '=' + encodeURIComponent(v)).join('&');
}
