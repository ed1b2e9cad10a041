import { createHash, randomBytes } from 'node:crypto';

/**
 * A response as the cache stores it: a plain object of strings and numbers, so the memory
 * layer can share one frozen copy between every hit. The body is serialized once, when the
 * handler runs; a hit sends these bytes as they are.
 *
 * @example
 * const entry = await httpCache.store.get<StoredResponse>(responseKey({ method: 'GET', url: '/products/7' }));
 * entry?.e   // its ETag
 */
export interface StoredResponse {
  /** Identifies the load that produced it (tells the request that ran the handler from a hit). */
  n: string;
  /** When it was produced (ms since the epoch). */
  at: number;
  /** Status code. */
  s: number;
  /** Content-Type, if any. */
  t?: string;
  /** Stored response headers (name in lower case, value). */
  h?: [string, string | string[]][];
  /** The body: UTF-8 text, or base64 when `bin` is set. */
  b: string;
  bin?: 1;
  /** Strong ETag of the body. */
  e: string;
  /** The tags as the headers list them. */
  g?: string[];
  /** Freshness in ms when the route's `adapt` chose it (else the route's ttl). */
  f?: number;
}

/** A body serialized for sending and storing. */
export interface SerializedBody {
  text?: string;
  bytes?: Buffer;
  contentType: string | undefined;
}

const prefix = randomBytes(4).toString('hex');
let counter = 0;

/** A process-unique id for a load. */
export function loadId(): string {
  return prefix + (counter++).toString(36);
}

/**
 * Serializes a handler's result the way the adapters would: objects as JSON, strings as they
 * are (the adapter's text type), binary as octets. `undefined` when the value is not a plain
 * body (a stream, a file, a web Response, an async iterable): such responses are not cached.
 */
export function serializeBody(value: unknown, contentType: string | undefined, fastify: boolean): SerializedBody | undefined {
  if (value === undefined || value === null) return { text: '', contentType };
  if (typeof value === 'string') return { text: value, contentType: contentType ?? (fastify ? 'text/plain; charset=utf-8' : 'text/html; charset=utf-8') };
  if (Buffer.isBuffer(value)) return { bytes: value, contentType: contentType ?? 'application/octet-stream' };
  if (value instanceof Uint8Array) return { bytes: Buffer.from(value.buffer, value.byteOffset, value.byteLength), contentType: contentType ?? 'application/octet-stream' };
  if (typeof value === 'object') {
    if (isStreamLike(value)) return undefined;
    return { text: JSON.stringify(value), contentType: contentType ?? 'application/json; charset=utf-8' };
  }
  if (typeof value === 'number' || typeof value === 'boolean') {
    return fastify ? { text: JSON.stringify(value), contentType: contentType ?? 'application/json; charset=utf-8' } : { text: String(value), contentType: contentType ?? 'text/html; charset=utf-8' };
  }
  return undefined;
}

/** Streams, files, web bodies and async iterables pass through the cache untouched. */
export function isStreamLike(value: object): boolean {
  const v = value as Record<string | symbol, unknown>;
  return (
    typeof v.pipe === 'function' ||
    typeof v.getStream === 'function' || // StreamableFile
    typeof v.getReader === 'function' ||
    typeof v[Symbol.asyncIterator] === 'function' ||
    Object.prototype.toString.call(value) === '[object Response]'
  );
}

/** A strong ETag: a hash of the exact bytes sent. */
export function strongEtag(body: Buffer | string): string {
  return '"' + createHash('sha1').update(body).digest('base64url') + '"';
}

/** Byte length of a serialized body. */
export function bodySize(body: SerializedBody): number {
  return body.bytes ? body.bytes.length : Buffer.byteLength(body.text!);
}

/**
 * True when an `If-None-Match` header matches `etag` (weak comparison, as RFC 9110 asks for
 * this header: `W/"x"` matches `"x"`; `*` matches anything).
 */
export function ifNoneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  const bare = etag.startsWith('W/') ? etag.slice(2) : etag;
  for (let tag of header.split(',')) {
    tag = tag.trim();
    if (tag.startsWith('W/')) tag = tag.slice(2);
    if (tag === bare) return true;
  }
  return false;
}
