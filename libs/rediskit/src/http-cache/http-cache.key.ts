import { createHash } from 'node:crypto';
import { encodeKeyPart } from '../keyspace/keyspace.js';

/** How an HTTP adapter splits a request target into the path it routes and the query it parses. */
export type TargetSyntax = 'express' | 'fastify';

/** What a response-cache key is made of. */
export interface KeyInput {
  method: string;
  /** The request target as the client sent it (path and query, maybe a raw `#`). */
  url: string;
  /** Whose routing rules split `url` (default `'express'`); see {@link splitTarget}. */
  adapter?: TargetSyntax;
  /** The request's host as the framework reports it (`Host`, or the trusted `X-Forwarded-Host`); left out when undefined. */
  host?: string;
  /** The raw `X-Forwarded-Host` header: keyed too when present and not the host the framework chose. */
  forwardedHost?: string;
  /** Query parameter names left out. */
  ignoreQuery?: ReadonlySet<string>;
  /** Values of the `varyBy` headers, in the route's order. */
  vary?: (string | undefined)[];
  /** Owner of a private response. */
  owner?: string | number;
  /** A route's own key, replacing method + path + query + vary (the host and owner are still added). */
  custom?: string;
}

// Keys longer than this are hashed, so a huge URL cannot make a huge Redis key.
const MAX_KEY = 512;

/**
 * The cache key of a request: `GET:/path:q<query>:h<header>...:a<host>:x<forwarded host>:u<owner>`
 * (or `k<custom>:a<host>:u<owner>`). HEAD shares GET's entries. Every part goes through the
 * Keyspace encoding (it can never contain the separator, a glob or a hash tag), and each part
 * has a one-letter prefix, so parts never run into each other and an empty value is still a part.
 *
 * The key is injective on what the framework routes: two requests share a key only when the
 * handler sees the same host, path, query parameters (up to the order of different names) and
 * `varyBy` headers. The path is keyed as sent; the query is normalized by {@link canonicalQuery}.
 *
 * @example
 * responseKey({ method: 'GET', url: '/p?b=2&a=1', host: 'shop.example', vary: ['en'] })   // 'GET:/p:qa=1&b=2:hen:ashop.example'
 */
export function responseKey(input: KeyInput): string {
  let key: string;
  if (input.custom !== undefined) {
    key = encodeKeyPart('k' + input.custom);
  } else {
    const method = input.method === 'HEAD' ? 'GET' : input.method;
    const { path, query } = splitTarget(input.url, input.adapter);
    key = method + ':' + encodeKeyPart(path || '/');
    if (query) {
      const canonical = canonicalQuery(query, input.ignoreQuery);
      if (canonical) key += ':' + encodeKeyPart('q' + canonical);
    }
    if (input.vary) for (const value of input.vary) key += ':' + encodeKeyPart('h' + (value ?? ''));
  }
  if (input.host !== undefined) {
    key += ':' + encodeKeyPart('a' + input.host);
    // A forwarded host the framework did not trust is still what a handler may echo: keyed,
    // it can only poison an entry of its own.
    if (input.forwardedHost !== undefined && input.forwardedHost !== input.host) key += ':' + encodeKeyPart('x' + input.forwardedHost);
  }
  if (input.owner !== undefined) key += ':' + encodeKeyPart('u' + input.owner);
  return key.length > MAX_KEY ? 'sha256:' + createHash('sha256').update(key).digest('base64url') : key;
}

/**
 * The path and query string as the adapter routes them. Express (`parseurl`) ends the path at
 * the first `?` or `#` and drops the fragment; Fastify (`find-my-way`) ends the path at the first
 * `?` or `#` and parses everything after it as the query. Browsers never send a fragment; a
 * client that does gets the entry of what the handler actually sees, never the one of `%23`.
 *
 * @example
 * splitTarget('/p?a=1#x', 'express')   // { path: '/p', query: 'a=1' }
 * splitTarget('/p?a=1#x', 'fastify')   // { path: '/p', query: 'a=1#x' }
 */
export function splitTarget(url: string, adapter: TargetSyntax = 'express'): { path: string; query: string | undefined } {
  const q = url.indexOf('?', adapter === 'fastify' ? 1 : 0);
  const h = url.indexOf('#', adapter === 'fastify' ? 1 : 0);
  if (h === -1) return q === -1 ? { path: url, query: undefined } : { path: url.slice(0, q), query: url.slice(q + 1) };
  if (adapter === 'fastify') {
    const end = q === -1 ? h : Math.min(q, h);
    return { path: url.slice(0, end), query: url.slice(end + 1) };
  }
  return q === -1 || h < q ? { path: url.slice(0, h), query: undefined } : { path: url.slice(0, q), query: url.slice(q + 1, h) };
}

// Components made only of characters encodeURIComponent leaves as they are (and `+`): already canonical.
const PLAIN = /^[A-Za-z0-9_.!~*'()+-]*$/;
// The leading run of a name that no query parser splits (qs stops a root name at `[` or `.`).
const BASE = /^[A-Za-z0-9_~-]*/;

/**
 * The query string with its parameters ordered by name and their encoding normalized, so
 * `?b=2&a=1` and `?a=1&b=%32` share an entry. Ignored names are dropped.
 *
 * Never merges what a query parser tells apart:
 * - parameters of one name (and names a parser may combine, such as `a[]` and `a[0]`) keep
 *   their order: `?sort=price&sort=name` is not `?sort=name&sort=price`;
 * - a component is re-encoded only when it decodes as UTF-8; otherwise (`%FF`, `%ZZ`) it is
 *   kept byte for byte, since parsers disagree about such input;
 * - `+` stays `+`, distinct from `%20` and `%2B`, whatever a parser makes of it.
 *
 * @example
 * canonicalQuery('b=2&utm_source=x&a=1', new Set(['utm_source']))   // 'a=1&b=2'
 * canonicalQuery('s=price&b=1&s=name')                               // 'b=1&s=price&s=name'
 */
export function canonicalQuery(query: string, ignore?: ReadonlySet<string>): string {
  if (query.length === 0) return '';
  const pairs: { base: string; text: string }[] = [];
  for (const segment of query.split('&')) {
    if (segment.length === 0) continue;
    const eq = segment.indexOf('=');
    const rawName = eq === -1 ? segment : segment.slice(0, eq);
    if (ignore !== undefined && ignore.size > 0 && ignore.has(decodedName(rawName))) continue;
    const name = normalize(rawName);
    pairs.push({ base: BASE.exec(name)![0], text: eq === -1 ? name : name + '=' + normalize(segment.slice(eq + 1)) });
  }
  // Array.prototype.sort is stable: parameters with one base name keep the order they came in.
  if (pairs.length > 1) pairs.sort((a, b) => (a.base < b.base ? -1 : a.base > b.base ? 1 : 0));
  let out = '';
  for (let i = 0; i < pairs.length; i++) out += (i === 0 ? '' : '&') + pairs[i].text;
  return out;
}

// One canonical spelling per decoded value: encodeURIComponent of the decoded text, `+` kept as
// a separator. A component that does not decode is returned as it is: it cannot equal a
// canonical one (those always decode), and no two raw spellings are merged.
function normalize(component: string): string {
  if (PLAIN.test(component)) return component;
  try {
    return component
      .split('+')
      .map((part) => encodeURIComponent(decodeURIComponent(part)))
      .join('+');
  } catch {
    return component;
  }
}

// A name as form parsers decode it (`+` is a space), for `ignoreQuery`.
function decodedName(raw: string): string {
  const text = raw.includes('+') ? raw.replace(/\+/g, ' ') : raw;
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
