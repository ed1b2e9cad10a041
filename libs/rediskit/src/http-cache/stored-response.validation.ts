import { MAX_DURATION_MS } from '../options/duration.js';

/** What a stored response may hold: the limits the interceptor stores by. */
export interface StoredResponseLimits {
  /** Status codes that are stored (`undefined`: every 2xx). */
  statuses: ReadonlySet<number> | undefined;
  /** Response header names that are stored (lower case). */
  storeHeaders: ReadonlySet<string>;
  /** Largest body, in bytes. */
  maxBodySize: number;
}

// Characters Node refuses in a header value (it throws ERR_INVALID_CHAR, a 500): controls but HTAB, DEL, non-Latin-1.
const BAD_HEADER_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
const ETAG = /^"[A-Za-z0-9_-]{27}"$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
// What headerTag() leaves in a tag: its safe characters and percent escapes.
const TAG = /^[A-Za-z0-9:._~/@+=!$&'()*%-]{1,1024}$/;
const MAX_HEADER_VALUE = 8192;
const MAX_VALUES_PER_HEADER = 32;
const MAX_TAGS = 1024;

/**
 * Why a value read from the response cache is not a response this app could have stored, or
 * `undefined` when it is one. Redis content is untrusted: an entry written by another version,
 * another app sharing the namespace, or an attacker with Redis access must read as a miss,
 * never reach `setHeader` (a CR/LF there throws) or send an unbounded body.
 *
 * @example
 * storedResponseProblem({ n: 'x', at: 1, s: 200, b: '', e: '"…"', h: [['link', 'a\r\nb']] }, limits)   // 'header value'
 */
export function storedResponseProblem(value: unknown, limits: StoredResponseLimits): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'shape';
  const e = value as Record<string, unknown>;
  if (typeof e.n !== 'string' || e.n.length === 0 || e.n.length > 64) return 'load id';
  if (typeof e.at !== 'number' || !Number.isFinite(e.at) || e.at < 0) return 'time';
  if (typeof e.s !== 'number' || !Number.isInteger(e.s) || (limits.statuses ? !limits.statuses.has(e.s) : e.s < 200 || e.s > 299)) return 'status';
  if (e.t !== undefined && !headerValue(e.t)) return 'content type';
  if (typeof e.e !== 'string' || !ETAG.test(e.e)) return 'etag';
  if (e.bin !== undefined && e.bin !== 1) return 'shape';
  if (typeof e.b !== 'string') return 'body';
  if (e.bin) {
    if (e.b.length > Math.ceil(limits.maxBodySize / 3) * 4 || e.b.length % 4 !== 0 || !BASE64.test(e.b)) return 'body';
  } else if (e.b.length > limits.maxBodySize || (e.b.length * 3 > limits.maxBodySize && Buffer.byteLength(e.b) > limits.maxBodySize)) {
    return 'body'; // a UTF-16 unit is at most 3 UTF-8 bytes: short bodies need no byte count
  }
  if (e.h !== undefined) {
    if (!Array.isArray(e.h) || e.h.length > limits.storeHeaders.size) return 'headers';
    for (const pair of e.h as unknown[]) {
      if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || !limits.storeHeaders.has(pair[0])) return 'header name';
      const v: unknown = pair[1];
      if (Array.isArray(v) ? v.length === 0 || v.length > MAX_VALUES_PER_HEADER || !v.every(headerValue) : !headerValue(v)) return 'header value';
    }
  }
  if (e.f !== undefined && !(typeof e.f === 'number' && Number.isFinite(e.f) && e.f > 0 && e.f <= MAX_DURATION_MS)) return 'ttl';
  if (e.g !== undefined && !(Array.isArray(e.g) && e.g.length <= MAX_TAGS && e.g.every((t) => typeof t === 'string' && TAG.test(t)))) return 'tags';
  return undefined;
}

function headerValue(v: unknown): boolean {
  return typeof v === 'string' && v.length <= MAX_HEADER_VALUE && !BAD_HEADER_VALUE.test(v);
}
